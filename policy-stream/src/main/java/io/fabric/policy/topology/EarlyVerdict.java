package io.fabric.policy.topology;

import io.fabric.schemas.records.Reason;
import io.fabric.schemas.topics.ReservedNames;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * A verdict reached before a request's id was checked (invalid where it entered, a duplicate where it
 * was deduplicated), carried as headers to the request-id step, which alone writes the request's
 * status: so a record reusing another request's id can never overwrite that request's status.
 * Headers are set only by policy-stream's own processors; {@link #strip} removes any a producer wrote.
 */
record EarlyVerdict(Kind kind, Reason reason, String detail, String auditType, boolean claimsId) {
  /** Refused where it entered (invalid, unsigned, out of scope), or a duplicate of an earlier request. */
  enum Kind { REFUSED, DUPLICATE }

  private static final String KIND = ReservedNames.GATE_HEADER_PREFIX + "verdict";
  private static final String CLAIMS_ID = ReservedNames.GATE_HEADER_PREFIX + "claims-id";
  private static final String REASON = ReservedNames.GATE_HEADER_PREFIX + "reason";
  private static final String DETAIL = ReservedNames.GATE_HEADER_PREFIX + "detail";
  private static final String AUDIT = ReservedNames.GATE_HEADER_PREFIX + "audit";

  /** @param claimsId whether the refused request still takes its id (a submitter's own signed request) */
  static EarlyVerdict refused(Reason reason, String detail, String auditType, boolean claimsId) {
    return new EarlyVerdict(Kind.REFUSED, reason, detail, auditType, claimsId);
  }

  /** A duplicate of the request {@code firstId}. */
  static EarlyVerdict duplicateOf(String firstId) {
    return new EarlyVerdict(Kind.DUPLICATE, null, firstId, null, true);
  }

  static Headers strip(Headers headers) {
    for (Header header : headers.toArray()) {
      if (header.key().startsWith(ReservedNames.GATE_HEADER_PREFIX)) {
        headers.remove(header.key());
      }
    }
    return headers;
  }

  void writeTo(Headers headers) {
    strip(headers);
    headers.add(KIND, utf8(kind.name()));
    if (reason != null) {
      headers.add(REASON, utf8(reason.name()));
    }
    if (claimsId) {
      headers.add(CLAIMS_ID, utf8("true"));
    }
    headers.add(DETAIL, utf8(detail));
    if (auditType != null) {
      headers.add(AUDIT, utf8(auditType));
    }
  }

  static Optional<EarlyVerdict> readFrom(Headers headers) {
    Header kind = headers.lastHeader(KIND);
    if (kind == null) {
      return Optional.empty();
    }
    Header audit = headers.lastHeader(AUDIT);
    Header reason = headers.lastHeader(REASON);
    return Optional.of(new EarlyVerdict(Kind.valueOf(text(kind)), reason == null ? null : Reason.valueOf(text(reason)), text(headers.lastHeader(DETAIL)),
        audit == null ? null : text(audit), headers.lastHeader(CLAIMS_ID) != null));
  }

  private static byte[] utf8(String s) {
    return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(Header header) {
    return header == null || header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }
}
