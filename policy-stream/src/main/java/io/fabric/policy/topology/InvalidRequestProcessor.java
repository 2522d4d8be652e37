package io.fabric.policy.topology;

import io.fabric.contracts.TaskRequest;
import io.fabric.policy.PolicyGate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** Blocks a request the validator refused, with its status; it never reaches the stores. */
final class InvalidRequestProcessor implements Processor<String, TaskRequest, String, SpecificRecord> {
  private final PolicyGate gate;
  private ProcessorContext<String, SpecificRecord> context;
  private Emitter emit;

  InvalidRequestProcessor(PolicyGate gate) {
    this.gate = gate;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.emit = new Emitter(context);
  }

  @Override
  public void process(Record<String, TaskRequest> record) {
    long now = context.currentSystemTimeMs();
    TaskRequest request = record.value();
    gate.invalid(request, now).ifPresent(block -> emit.block(request, null, block.reason(), block.detail(), null, now));
  }
}
