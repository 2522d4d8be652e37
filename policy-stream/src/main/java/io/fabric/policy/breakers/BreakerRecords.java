package io.fabric.policy.breakers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/** The JSON text of {@code fabric.breakers} records: a trip under the scope's key, a reset under {@code reset:SCOPE}. */
public final class BreakerRecords {
  private static final ObjectMapper JSON = new ObjectMapper();

  private BreakerRecords() {}

  public static String encode(BreakerTrip trip) {
    ObjectNode node = JSON.createObjectNode().put("type", BreakerTrip.TYPE).put("trip_id", trip.tripId()).put("scope", trip.scope())
        .put("tenant", trip.tenant()).put("breaker", trip.breaker()).put("rule", trip.rule()).put("total", trip.total())
        .put("tripped_at", trip.trippedAt()).put("hold", trip.hold());
    return node.toString();
  }

  public static String encode(BreakerReset reset) {
    return JSON.createObjectNode().put("type", BreakerReset.TYPE).put("scope", reset.scope()).put("trip_id", reset.tripId())
        .put("approver", reset.approver()).put("reason", reset.reason()).put("issued_at", reset.issuedAt())
        .put("signature", reset.signature()).toString();
  }

  /** A trip, if {@code text} is a well-formed one; anything else is empty. */
  public static Optional<BreakerTrip> trip(String text) {
    JsonNode node = parse(text);
    if (node == null || !BreakerTrip.TYPE.equals(node.path("type").asText()) || !has(node, "trip_id", "scope", "tenant", "breaker")) {
      return Optional.empty();
    }
    return Optional.of(new BreakerTrip(node.get("trip_id").asText(), node.get("scope").asText(), node.get("tenant").asText(),
        node.get("breaker").asText(), node.path("rule").asText(), node.path("total").asDouble(), node.path("tripped_at").asLong(),
        node.path("hold").asBoolean(true)));
  }

  /** A reset, if {@code text} is a well-formed one (its signature is not checked here). */
  public static Optional<BreakerReset> reset(String text) {
    JsonNode node = parse(text);
    if (node == null || !BreakerReset.TYPE.equals(node.path("type").asText())
        || !has(node, "scope", "trip_id", "approver", "issued_at", "signature")) {
      return Optional.empty();
    }
    return Optional.of(new BreakerReset(node.get("scope").asText(), node.get("trip_id").asText(), node.get("approver").asText(),
        node.path("reason").asText(""), node.get("issued_at").asLong(), node.get("signature").asText()));
  }

  private static boolean has(JsonNode node, String... fields) {
    for (String f : fields) {
      if (!node.hasNonNull(f)) {
        return false;
      }
    }
    return true;
  }

  private static JsonNode parse(String text) {
    if (text == null) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(text);
      return node != null && node.isObject() ? node : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }
}
