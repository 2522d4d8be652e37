package io.fabric.agents.run;

import io.fabric.schemas.records.Identifiers;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The request id and idempotency key a run's tool call (or review request) is submitted under. They
 * must be stable (a call submitted again after a crash is the same request, which the gate drops) and
 * unguessable (anyone who could predict them, from the run id say, could take the id or the key
 * first, or block the call under its id). So each gets 128 random bits from {@link SecureRandom},
 * drawn once when the run records the call, before the checkpoint that holds it is committed; every
 * resume reads them back from that checkpoint and never draws again.
 *
 * <p>The readable part ({@code RUN-turn-N-call-M}) is for people (approvals list, flows show); the
 * run id is cut short if needed so the whole id stays within {@link Identifiers#MAX_ID}.
 */
final class ToolCallIds {
  static final String KEY_PREFIX = "agent-run:";
  private static final int RANDOM_BYTES = 16;
  private static final SecureRandom RANDOM = new SecureRandom();

  private ToolCallIds() {}

  /** A new id {@code RUN-LABEL-<32 hex digits>}, e.g. {@code run-1-turn-2-call-1-3f…}. */
  static String newRequestId(String runId, String label) {
    byte[] random = new byte[RANDOM_BYTES];
    RANDOM.nextBytes(random);
    String suffix = "-" + label + "-" + HexFormat.of().formatHex(random);
    String prefix = runId.length() + suffix.length() > Identifiers.MAX_ID ? runId.substring(0, Identifiers.MAX_ID - suffix.length()) : runId;
    return prefix + suffix;
  }

  /** The idempotency key of a call: as unguessable as its request id, since it carries the same random part. */
  static String idempotencyKey(String requestId) {
    return KEY_PREFIX + requestId;
  }
}
