package io.fabric.policy.topology;

import io.fabric.contracts.RequestStatus;
import io.fabric.policy.limits.SlotRelease;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Sends each final status ({@link SlotRelease}: {@code EXECUTED} and {@code DEAD_LETTER} from the
 * router and the plugin runtimes, {@code BLOCKED} from the plugin-cap stage, ...) to the stages that
 * count slots: the limits stage, by tenant, and, when the policy in force caps the action's plugin,
 * the plugin-cap stage, by plugin. A status this cannot route (the cap was removed or moved by a hot
 * reload since the task started) leaves the slot to its lease.
 */
final class FinalStatusRouter implements Processor<String, RequestStatus, String, RequestStatus> {
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
    if (status == null || !SlotRelease.frees(status.getOutcome())) {
      return;
    }
    context.forward(record.withKey(status.getTenantId()));
    gates.current().policy().limits().capFor(status.getAction()).ifPresent(cap ->
        context.forward(record.withKey(PluginCapProcessor.KEY_PREFIX + cap.plugin())));
  }
}
