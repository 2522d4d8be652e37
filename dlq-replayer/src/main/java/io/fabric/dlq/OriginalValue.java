package io.fabric.dlq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.util.Optional;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The original record of a dead letter decoded with its topic's value serde from the catalog
 * (a {@code TaskRequest} for the ingress topic), or why it could not be. Topics the catalog does
 * not know are left as raw bytes.
 */
public record OriginalValue(String type, JsonNode json, String error) {

  public boolean decoded() {
    return json != null;
  }

  public static OriginalValue decode(TopicCatalog catalog, String topic, byte[] value) {
    if (value == null) {
      return new OriginalValue(null, null, "no value (tombstone)");
    }
    Optional<TopicSpec<?, ?>> spec = specOf(catalog, topic);
    if (spec.isEmpty()) {
      return new OriginalValue(null, null, "topic " + topic + " is not in the catalog (prefix " + catalog.prefix() + ")");
    }
    try (var serde = spec.get().valueSerde()) {
      Deserializer<?> deserializer = serde.deserializer();
      Object decoded = deserializer.deserialize(topic, value);
      if (decoded instanceof IndexedRecord record) {
        return new OriginalValue(record.getSchema().getName(), AvroJson.toJson(record), null);
      }
      return new OriginalValue(decoded == null ? null : decoded.getClass().getSimpleName(),
          JsonNodeFactory.instance.textNode(String.valueOf(decoded)), null);
    } catch (RuntimeException e) {
      return new OriginalValue(null, null, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private static Optional<TopicSpec<?, ?>> specOf(TopicCatalog catalog, String topic) {
    Optional<TopicSpec<?, ?>> known = catalog.byName(topic);
    if (known.isPresent()) {
      return known;
    }
    return catalog.pluginTasksTopic(topic).map(spec -> spec);
  }
}
