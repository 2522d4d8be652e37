package io.fabric.plugins.runtime;

import io.fabric.contracts.FlowCheckpoint;
import io.fabric.schemas.tracing.FabricTracing;
import io.fabric.schemas.tracing.Hop;
import io.opentelemetry.api.trace.SpanKind;

/**
 * A plugin runtime's spans: one {@value FabricTracing#PLUGIN_ATTEMPT_SPAN} per call of the plugin
 * (its context is the call's {@code TaskContext.traceparent()}), and one
 * {@value FabricTracing#CHECKPOINT_SPAN} per flow state it writes after a step, a child of the attempt.
 */
final class PluginTracing {
  static final PluginTracing OFF = new PluginTracing(FabricTracing.noop(), "");

  private final FabricTracing tracing;
  private final String plugin;

  PluginTracing(FabricTracing tracing, String plugin) {
    this.tracing = tracing;
    this.plugin = plugin;
  }

  Hop attempt(AttemptRunner.Attempt a, int number) {
    return tracing.start(FabricTracing.PLUGIN_ATTEMPT_SPAN, SpanKind.CLIENT, a.traceparent())
        .set(FabricTracing.PLUGIN, plugin)
        .set(FabricTracing.ATTEMPT, number)
        .set(FabricTracing.REQUEST_ID, a.requestId())
        .set(FabricTracing.FLOW_ID, a.flowId())
        .set(FabricTracing.ACTION, a.action())
        .set(FabricTracing.RESULT, a.kind() == ExecutionIntent.Kind.COMPENSATE ? "compensating" : null);
  }

  void done(Hop attempt) {
    attempt.set(FabricTracing.RESULT, "ok").close();
  }

  void failed(Hop attempt, Throwable error, boolean retrying) {
    attempt.set(FabricTracing.RESULT, retrying ? "retry" : "failed").fail(error).close();
  }

  /** The flow state write after a step; {@code parent} is the attempt's traceparent. */
  Hop checkpoint(String parent, String requestId, FlowCheckpoint next) {
    return tracing.start(FabricTracing.CHECKPOINT_SPAN, SpanKind.PRODUCER, parent)
        .set(FabricTracing.PLUGIN, plugin)
        .set(FabricTracing.REQUEST_ID, requestId)
        .set(FabricTracing.FLOW_ID, next.getFlowId())
        .set(FabricTracing.REVISION, next.getRevision())
        .set(FabricTracing.FLOW_STATUS, String.valueOf(next.getStatus()));
  }
}
