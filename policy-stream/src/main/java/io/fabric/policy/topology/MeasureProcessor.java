package io.fabric.policy.topology;

import io.fabric.policy.breakers.Measurement;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Turns audit events, dead letters and routed tasks into the measurements the policy's breakers
 * count, one per scope (tenant, submitter), keyed by scope so one breaker task sees all of a scope's.
 */
final class MeasureProcessor implements Processor<String, Object, String, String> {
  private final GateSource gates;
  private ProcessorContext<String, String> context;

  MeasureProcessor(GateSource gates) {
    this.gates = gates;
  }

  @Override
  public void init(ProcessorContext<String, String> context) {
    this.context = context;
    gates.init(context);
  }

  @Override
  public void process(Record<String, Object> record) {
    for (Map.Entry<String, Measurement> m : Measurement.of(record.value(), gates.current().policy().breakers())) {
      context.forward(new Record<>(m.getKey(), m.getValue().encode(), record.timestamp()));
    }
  }
}
