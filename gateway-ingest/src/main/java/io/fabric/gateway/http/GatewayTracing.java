package io.fabric.gateway.http;

import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.tracing.FabricTracing;
import io.fabric.schemas.tracing.Hop;
import io.opentelemetry.api.trace.SpanKind;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The gateway's spans for {@code POST /v1/tasks}: a server span that continues the caller's
 * {@code traceparent} HTTP header, and whose context becomes the request's {@code traceparent}, so
 * the gate's span is its child. In a batch each task gets a {@value FabricTracing#GATEWAY_TASK_SPAN}
 * span of its own (a child of the server span when the caller sent a trace context, else a new trace
 * linked to it), so every request keeps its own trace id; a {@code traceparent} a batch task's body
 * names is that task's parent. One task: the header, else the body's {@code traceparent}, is the
 * server span's parent. With tracing off the request's traceparent is the one these rules pick, else
 * the one the body parser generated.
 */
final class GatewayTracing {
  private final FabricTracing tracing;

  GatewayTracing(FabricTracing tracing) {
    this.tracing = tracing;
  }

  /** The spans of one submission; {@link #requests()} carry the spans' contexts. */
  final class Submit {
    private final Hop server;
    private final List<Hop> tasks = new ArrayList<>();
    private final List<TaskRequest> requests = new ArrayList<>();

    private Submit(Function<String, String> httpHeader, List<TaskRequest> parsed, List<String> bodyTraceparents, boolean batch) {
      String header = httpHeader.apply("traceparent");
      boolean headerValid = header != null && FabricTracing.traceparent(
          io.opentelemetry.api.trace.Span.fromContext(FabricTracing.extract(header)).getSpanContext()) != null;
      String single = batch ? null : bodyTraceparents.get(0);
      server = tracing.startServer(FabricTracing.GATEWAY_SPAN, httpHeader, single)
          .set(FabricTracing.TENANT, parsed.get(0).getTenantId());
      for (int i = 0; i < parsed.size(); i++) {
        TaskRequest request = parsed.get(i);
        Hop hop;
        if (!batch) {
          hop = server.set(FabricTracing.REQUEST_ID, request.getRequestId()).set(FabricTracing.ACTION, request.getAction())
              .set(FabricTracing.FLOW_ID, request.getFlowId());
        } else {
          String body = bodyTraceparents.get(i);
          String parent = body != null ? body : headerValid ? server.traceparent() : null;
          hop = tracing.start(FabricTracing.GATEWAY_TASK_SPAN, SpanKind.PRODUCER, parent)
              .link(server.traceparent())
              .set(FabricTracing.REQUEST_ID, request.getRequestId()).set(FabricTracing.TENANT, request.getTenantId())
              .set(FabricTracing.ACTION, request.getAction()).set(FabricTracing.FLOW_ID, request.getFlowId());
          tasks.add(hop);
          if (!tracing.enabled() && body == null && !headerValid) {
            requests.add(request);
            continue;
          }
        }
        String traceparent = hop.traceparent();
        requests.add(traceparent == null || traceparent.equals(request.getTraceparent()) ? request
            : TaskRequest.newBuilder(request).setTraceparent(traceparent).build());
      }
    }

    List<TaskRequest> requests() {
      return requests;
    }

    /** Ends every span with the HTTP status the caller gets. */
    void end(int status) {
      for (Hop task : tasks) {
        if (status >= 400) {
          task.fail("HTTP " + status);
        }
        task.close();
      }
      server.set(FabricTracing.HTTP_STATUS, status);
      if (status >= 500) {
        server.fail("HTTP " + status);
      }
      server.close();
    }
  }

  /**
   * @param bodyTraceparents per task, the {@code traceparent} its body named, or null
   */
  Submit submit(Function<String, String> httpHeader, List<TaskRequest> parsed, List<String> bodyTraceparents, boolean batch) {
    return new Submit(httpHeader, parsed, bodyTraceparents, batch);
  }
}
