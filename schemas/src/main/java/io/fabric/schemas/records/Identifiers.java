package io.fabric.schemas.records;

import io.fabric.contracts.TaskRequest;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The charset and length of the names a request carries. They key stores, topics and composite keys
 * ({@code tenant|idempotency key}, {@code request id|time}), so none may contain {@code |}, white
 * space or control characters, and each has a length bound. The gate enforces this (a request that
 * breaks it is BLOCKED {@code INVALID_REQUEST}); {@code FabricClient} checks it before sending.
 *
 * <ul>
 *   <li>tenant: {@code [A-Za-z0-9][A-Za-z0-9._-]*}, at most 64 characters;</li>
 *   <li>request id, flow id: {@code [A-Za-z0-9][A-Za-z0-9._:@-]*}, at most 128;</li>
 *   <li>idempotency key: printable ASCII except {@code |} and space, at most 200.</li>
 * </ul>
 */
public final class Identifiers {
  public static final int MAX_TENANT = 64;
  public static final int MAX_ID = 128;
  public static final int MAX_IDEMPOTENCY_KEY = 200;
  private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0," + (MAX_TENANT - 1) + "}");
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0," + (MAX_ID - 1) + "}");
  private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7B\\x7D\\x7E]{1," + MAX_IDEMPOTENCY_KEY + "}");

  private Identifiers() {}

  /** What is wrong with the request's names, in words the submitter can act on; empty when they are fine. */
  public static Optional<String> problem(TaskRequest request) {
    return problem("tenant_id", request.getTenantId(), TENANT, "letters, digits, '.', '_', '-'", MAX_TENANT)
        .or(() -> problem("request_id", request.getRequestId(), ID, "letters, digits, '.', '_', ':', '@', '-'", MAX_ID))
        .or(() -> problem("flow_id", request.getFlowId(), ID, "letters, digits, '.', '_', ':', '@', '-'", MAX_ID))
        .or(() -> problem("idempotency_key", request.getIdempotencyKey(), IDEMPOTENCY_KEY,
            "printable ASCII without space or '|'", MAX_IDEMPOTENCY_KEY));
  }

  private static Optional<String> problem(String field, String value, Pattern pattern, String charset, int max) {
    if (value == null || value.isEmpty()) {
      return Optional.of(field + " is missing");
    }
    if (!pattern.matcher(value).matches()) {
      return Optional.of(field + " '" + printable(value) + "' is not allowed: use " + charset
          + (pattern == IDEMPOTENCY_KEY ? "" : ", starting with a letter or digit") + ", at most " + max + " characters");
    }
    return Optional.empty();
  }

  private static String printable(String value) {
    String shown = value.length() > 40 ? value.substring(0, 40) + "…" : value;
    StringBuilder out = new StringBuilder();
    shown.codePoints().forEach(c -> {
      if (c < 0x20 || c == 0x7F) {
        out.append(String.format("\\u%04x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }
}
