package io.fabric.schemas.identity;

import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.TaskRequest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The exact bytes a submitter signs for a request, and the gate verifies: everything that says what
 * is asked, by whom, for which tenant. Unambiguous (every field is length-prefixed, so no two
 * statements share bytes) and independent of how Avro encodes the record. Layout, version 1:
 *
 * <pre>
 *   str("fabric.request.v1")
 *   str(request_id) str(tenant_id) str(flow_id) str(action) str(hex SHA-256 of the payload's UTF-8 bytes)
 *   str(idempotency_key) str(final_step: "true"|"false") i64(submitted_at) str(submitter)
 *   str(source) str(traceparent or "") str(approval_token or "")
 *   i32(number of attributes) then, sorted by name, str(name) str(value) for each
 *
 *   a replay (the request carries replay lineage) starts with str("fabric.replay.v1") instead, and
 *   ends with its lineage: str(dead_letter_id) i32(generation) i64(replayed_at) str(replayed_by)
 *   str(original_submitter or "")
 *
 *   str(s) = 4-byte big-endian length of UTF-8(s), then UTF-8(s); i64 = 8 bytes big-endian
 * </pre>
 *
 * Every field a producer sets is covered, so a copy read off the topic cannot be changed in any
 * field and still verify; only the signature itself is outside it. A replay is signed by the replayer
 * (its {@code submitter}) over the request and its lineage, under its own label, so a replay
 * signature never verifies as a first submission's and the original submitter it names is vouched for. The payload is hashed as sent (not canonicalized): the gate holds the same string the submitter
 * signed. The request id doubles as the nonce: the gate claims every id once, so a signed request
 * cannot be used twice; {@code submitted_at} bounds how long it may wait to be used at all.
 */
public final class RequestStatement {
  public static final String LABEL = "fabric.request.v1";
  public static final String REPLAY_LABEL = "fabric.replay.v1";

  private RequestStatement() {}

  /** The bytes of {@code request} as signed by {@code submitter}. */
  public static byte[] of(TaskRequest request, String submitter) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    ReplayLineage replay = request.getReplay();
    for (String field : new String[] {replay == null ? LABEL : REPLAY_LABEL, request.getRequestId(), request.getTenantId(), request.getFlowId(), request.getAction(),
        sha256Hex(request.getPayload()), request.getIdempotencyKey(), Boolean.toString(request.getFinalStep())}) {
      writeString(out, field);
    }
    writeLong(out, request.getSubmittedAt());
    writeString(out, submitter);
    writeString(out, request.getSource());
    writeString(out, request.getTraceparent());
    writeString(out, request.getApprovalToken());
    java.util.TreeMap<String, String> attributes = new java.util.TreeMap<>(request.getAttributes());
    writeInt(out, attributes.size());
    attributes.forEach((name, value) -> {
      writeString(out, name);
      writeString(out, value);
    });
    if (replay != null) {
      writeString(out, replay.getDeadLetterId());
      writeInt(out, replay.getGeneration());
      writeLong(out, replay.getReplayedAt());
      writeString(out, replay.getReplayedBy());
      writeString(out, replay.getOriginalSubmitter());
    }
    return out.toByteArray();
  }

  private static void writeInt(ByteArrayOutputStream out, int value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.write(value >>> shift);
    }
  }

  private static void writeLong(ByteArrayOutputStream out, long value) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.write((int) (value >>> shift));
    }
  }

  private static void writeString(ByteArrayOutputStream out, String value) {
    byte[] utf8 = (value == null ? "" : value).getBytes(StandardCharsets.UTF_8);
    writeInt(out, utf8.length);
    out.write(utf8, 0, utf8.length);
  }

  static String sha256Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
