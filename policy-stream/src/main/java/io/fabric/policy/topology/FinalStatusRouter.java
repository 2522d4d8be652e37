package io.fabric.policy.topology;

import io.fabric.contracts.RequestStatus;
import io.fabric.schemas.records.Outcome;
import java.util.Set;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Sends each final status ({@code EXECUTED}, {@code DEAD_LETTER}: only the router and the plugin
 * runtimes write them for a routed task) to the stages that count slots: the limits stage, by
 * tenant, and, when the policy in force caps the action's plugin, the plugin-cap stage, by plugin.
 */
final class FinalStatusRouter implements Processor<String, RequestStatus, String, RequestStatus> {
  private static final Set<String> FINAL = Set.of(Outcome.EXECUTED.name(), Outcome.DEAD_LETTER.name());
  private final GateSource gates;
  private ProcessorContext<String, RequestStatus> context;

  FinalStatusRouter(GateSource gates) {
    this.gates = gates;
  }

  @Override
  public void init(ProcessorContext<String, RequestStatus> context) {
    this.context = context;
    gates.init(context);
  }

  @Override
  public void process(Record<String, RequestStatus> record) {
    RequestStatus status = record.value();
    if (status == null || !FINAL.contains(status.getOutcome())) {
      return;
    }
    context.forward(record.withKey(status.getTenantId()));
    gates.current().policy().limits().capFor(status.getAction()).ifPresent(cap ->
        context.forward(record.withKey(PluginCapProcessor.KEY_PREFIX + cap.plugin())));
  }
}
