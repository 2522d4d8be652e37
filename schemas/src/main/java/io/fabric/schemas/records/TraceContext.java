package io.fabric.schemas.records;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** W3C trace context carried as the {@code traceparent} header on every hop. */
public final class TraceContext {
  public static final String HEADER = "traceparent";

  private TraceContext() {}

  /** A new sampled root traceparent: version 00, random trace id and span id. */
  public static String newTraceparent() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    byte[] trace = new byte[16];
    byte[] span = new byte[8];
    random.nextBytes(trace);
    random.nextBytes(span);
    return "00-" + HexFormat.of().formatHex(trace) + "-" + HexFormat.of().formatHex(span) + "-01";
  }

  public static void set(Headers headers, String traceparent) {
    if (traceparent != null) {
      headers.remove(HEADER);
      headers.add(HEADER, traceparent.getBytes(StandardCharsets.UTF_8));
    }
  }

  public static String get(Headers headers) {
    Header header = headers == null ? null : headers.lastHeader(HEADER);
    return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
