package io.fabric.schemas.records;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A consumer that reads topics by assignment, without a group, for a command or a read: it has no
 * offsets to commit, so closing it need not wait. A plain {@code close()} waits up to 30 s to close
 * fetch sessions, and with one broker of a cluster down it does wait that long, once per read.
 */
public final class ScanConsumer<K, V> extends KafkaConsumer<K, V> {
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(1);

  public ScanConsumer(Map<String, Object> config, Deserializer<K> keys, Deserializer<V> values) {
    super(config, keys, values);
  }

  @Override
  public void close() {
    close(CloseOptions.timeout(CLOSE_TIMEOUT));
  }
}
