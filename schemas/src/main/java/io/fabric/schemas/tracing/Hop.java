package io.fabric.schemas.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import org.apache.kafka.common.header.Headers;

/**
 * One hop's span. {@link #traceparent()} is what the hop writes on the records it produces: its own
 * context when tracing is on, else the incoming {@code traceparent} unchanged. Closing ends the span.
 */
public final class Hop implements AutoCloseable {
  private final Span span;
  private final String incoming;

  Hop(Span span, String incoming) {
    this.span = span;
    this.incoming = incoming;
  }

  /** Sets a string attribute; a null value is left out. */
  public Hop set(AttributeKey<String> key, String value) {
    if (value != null) {
      span.setAttribute(key, value);
    }
    return this;
  }

  public Hop set(AttributeKey<Long> key, long value) {
    span.setAttribute(key, value);
    return this;
  }

  /** Links this span to another context of the same request (e.g. the approval token's record). */
  public Hop link(String traceparent) {
    var context = Span.fromContext(FabricTracing.extract(traceparent)).getSpanContext();
    if (context.isValid()) {
      span.addLink(context);
    }
    return this;
  }

  /** Marks the hop failed. */
  public Hop fail(Throwable error) {
    span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
    span.recordException(error);
    return this;
  }

  public Hop fail(String description) {
    span.setStatus(StatusCode.ERROR, description);
    return this;
  }

  /** The traceparent the hop's outgoing records carry. */
  public String traceparent() {
    String own = FabricTracing.traceparent(span.getSpanContext());
    return own != null ? own : incoming;
  }

  /** Writes {@link #traceparent()} on {@code headers}. */
  public void writeTo(Headers headers) {
    if (span.getSpanContext().isValid()) {
      FabricTracing.inject(Context.root().with(span), headers);
    } else {
      io.fabric.schemas.records.TraceContext.set(headers, incoming);
    }
  }

  @Override
  public void close() {
    span.end();
  }
}
