package io.fabric.cli.dlq;

import io.fabric.dlq.ReplayLedgerTopic;
import io.fabric.contracts.DeadLetter;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.cli.FabricMain;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * One test's own fabric namespace on the shared embedded broker: a unique topic prefix with the
 * catalog's topics created, helpers to fill the DLQ and read topics back, and the CLI wired to it.
 */
public final class DlqTestSupport {
  public final TopicCatalog catalog;
  public final String bootstrap;

  private DlqTestSupport(TopicCatalog catalog, String bootstrap) {
    this.catalog = catalog;
    this.bootstrap = bootstrap;
  }

  public static DlqTestSupport create() {
    TopicCatalog catalog = TopicCatalog.create(EmbeddedKafkaExtension.uniqueName("t") + ".", 3, List.of());
    DlqTestSupport fixture = new DlqTestSupport(catalog, EmbeddedKafkaExtension.bootstrapServers());
    fixture.createTopics(catalog.all().stream().map(spec -> spec.newTopic((short) 1)).toList());
    return fixture;
  }

  public KafkaConnection connection() {
    return KafkaConnection.of(bootstrap);
  }

  public TopicSpec<String, String> ledgerTopic() {
    return ReplayLedgerTopic.spec(catalog);
  }

  public void createTopics(Collection<NewTopic> topics) {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      for (var created : admin.createTopics(topics).values().values()) {
        try {
          created.get();
        } catch (ExecutionException e) {
          // fabric.schemas has no prefix, so every test after the first finds it there already
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException(e.getCause());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public void createTopic(String name, Map<String, String> config) {
    createTopics(List.of(new NewTopic(name, 3, (short) 1).configs(config)));
  }

  /**
   * One request in flight: right after a topic is created, the broker may answer the first produce
   * with NOT_LEADER_OR_FOLLOWER while a later in-flight batch is already accepted; the retried first
   * batch then fails with OUT_OF_ORDER_SEQUENCE_NUMBER until delivery.timeout.ms (seen on the
   * embedded broker). Strictly ordered requests cannot overtake each other.
   */
  private Map<String, Object> producerConfig() {
    return Map.of("bootstrap.servers", bootstrap, "max.in.flight.requests.per.connection", 1);
  }

  /** Writes dead letters to the DLQ as the stages do: keyed by flow id, Avro single-object values. */
  public void deadLetter(Collection<DeadLetter> deadLetters) {
    var spec = catalog.dlq;
    try (KafkaProducer<String, DeadLetter> producer = new KafkaProducer<>(producerConfig(),
        spec.keySerde().serializer(), spec.valueSerde().serializer())) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (DeadLetter deadLetter : deadLetters) {
        sent.add(producer.send(new ProducerRecord<>(spec.name(), null, deadLetter.getAt(), deadLetter.getFlowId(), deadLetter)));
      }
      awaitEach(sent);
    }
  }

  /**
   * Fails with the cause when a send failed: flush() returns either way, and a dead letter lost to a timeout under
   * load would leave a test's counts short with nothing saying why. Each future completes within delivery.timeout.ms.
   */
  private static void awaitEach(List<Future<RecordMetadata>> sent) {
    try {
      for (Future<RecordMetadata> future : sent) {
        future.get();
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("a record was not written: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Writes bytes that are not a DeadLetter to the DLQ topic. */
  public void rawToDlq(byte[] key, byte[] value) {
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      awaitEach(List.of(producer.send(new ProducerRecord<>(catalog.dlq.name(), key, value))));
    }
  }

  /** Every committed record of a topic, read independently of the code under test. */
  public List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
    Map<String, Object> config = new HashMap<>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        consumer.poll(Duration.ofMillis(100)).forEach(records::add);
      }
    }
    return records;
  }

  /** Runs {@code fabric dlq ARGS} against this namespace, capturing stdout and stderr. */
  public CliRun dlq(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (!all.isEmpty()) {
      all.addAll(1, List.of("--bootstrap-server", bootstrap, "--topic-prefix", catalog.prefix()));
    }
    return CliRun.run(all.toArray(String[]::new));
  }

  /** Exit code and output of one command line. */
  public record CliRun(int exitCode, String out, String err) {
    public static CliRun run(String... args) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      CommandLine commandLine = FabricMain.commandLine();
      commandLine.setOut(new PrintWriter(out, true));
      commandLine.setErr(new PrintWriter(err, true));
      int code = commandLine.execute(Stream.concat(Stream.of("dlq"), Stream.of(args)).toArray(String[]::new));
      return new CliRun(code, out.toString(), err.toString());
    }

    public List<String> outLines() {
      return out.lines().toList();
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
    }
  }
}
