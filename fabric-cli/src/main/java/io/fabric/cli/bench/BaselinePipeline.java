package io.fabric.cli.bench;

import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.TraceContext;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.streams.StreamsApp;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * What Kafka alone costs for the fabric's shape: the same ingress producer and records, then
 * {@code streamsStages} plain Kafka Streams identity apps (bytes in, bytes out, no decoding), each
 * configured by {@link FabricStreamsConfig#forApp} like the fabric's apps (same guarantee, commit
 * interval, producer tuning and overrides), then a {@link TransactionalRelay} in place of the plugin
 * runtime, polling as many records at once as a plugin runtime does (unless told otherwise). A request ends when its record
 * reaches the output topic, read {@code read_committed}.
 */
final class BaselinePipeline implements Pipeline {
  static final String DELIVERED = "DELIVERED";

  private final List<String> topics;
  private final List<AutoCloseable> stages;
  private final List<StreamsApp> streamsApps;
  private final TransactionalRelay relay;
  private final KafkaProducer<String, TaskRequest> producer;
  private final OutputWatcher watcher;

  private BaselinePipeline(List<String> topics, List<AutoCloseable> stages, List<StreamsApp> streamsApps, TransactionalRelay relay,
                           KafkaProducer<String, TaskRequest> producer, OutputWatcher watcher) {
    this.topics = topics;
    this.stages = stages;
    this.streamsApps = streamsApps;
    this.relay = relay;
    this.producer = producer;
    this.watcher = watcher;
  }

  static BaselinePipeline start(KafkaConnection connection, String topicPrefix, int partitions, int streamsStages,
                                int relayPollRecords, Path stateDir,
                                Map<String, Object> streamsOverrides, CompletionLedger ledger) {
    TopicCatalog catalog = TopicCatalog.create(topicPrefix, partitions, List.of());
    List<String> topics = new ArrayList<>();
    topics.add(topicPrefix + "ingress");
    for (int i = 1; i <= streamsStages; i++) {
      topics.add(topicPrefix + "hop-" + i);
    }
    topics.add(topicPrefix + "out");
    List<String> create = new ArrayList<>(topics);
    create.add(catalog.dlq.name());
    BenchKafka.createTopics(connection, create, partitions);

    List<AutoCloseable> stages = new ArrayList<>();
    List<StreamsApp> streamsApps = new ArrayList<>();
    try {
      TransactionalRelay relay = new TransactionalRelay(connection, topics.get(streamsStages), topics.get(streamsStages + 1),
          topicPrefix + "relay", topicPrefix + "relay-0", relayPollRecords);
      stages.add(relay);
      relay.start();
      for (int i = streamsStages; i >= 1; i--) {
        String name = "identity-" + i;
        Properties props = FabricStreamsConfig.forApp(connection, catalog, topicPrefix + name, "baseline-" + name,
            stateDir.resolve(name), streamsOverrides);
        StreamsBuilder builder = new StreamsBuilder(FabricStreamsConfig.topologyConfig(props));
        builder.stream(topics.get(i - 1), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(name + "-source"))
            .to(topics.get(i), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName(name + "-sink"));
        StreamsApp app = new StreamsApp(name, builder.build(), props);
        stages.add(app);
        streamsApps.add(app);
        app.startAndAwait(Duration.ofSeconds(60));
      }
      KafkaProducer<String, TaskRequest> producer = new KafkaProducer<>(BenchKafka.withConnection(connection,
          BenchKafka.ingressProducerConfig("baseline-bench-ingress")), new StringSerializer(), AvroSerde.of(TaskRequest.class));
      stages.add(producer::close);
      OutputWatcher watcher = new OutputWatcher(connection, topics.get(topics.size() - 1), partitions, "baseline-bench-output-reader",
          (seq, bytes, now) -> ledger.ended(seq, DELIVERED, now));
      return new BaselinePipeline(topics, stages, streamsApps, relay, producer, watcher);
    } catch (RuntimeException e) {
      closeAll(stages);
      throw e;
    }
  }

  @Override
  public String name() {
    return "baseline";
  }

  @Override
  public List<String> hops() {
    List<String> hops = new ArrayList<>();
    for (int i = 0; i < topics.size() - 1; i++) {
      hops.add(topics.get(i));
      hops.add(i < topics.size() - 2 ? "streams identity-" + (i + 1) : "transactional relay (one transaction per poll)");
    }
    hops.add(topics.get(topics.size() - 1));
    return hops;
  }

  @Override
  public void send(TaskRequest request) {
    ProducerRecord<String, TaskRequest> record = new ProducerRecord<>(topics.get(0), request.getFlowId(), request);
    TraceContext.set(record.headers(), request.getTraceparent());
    producer.send(record);
  }

  @Override
  public void flush() {
    producer.flush();
  }

  @Override
  public String failure() {
    if (watcher.failure() != null) {
      return "output reader failed: " + watcher.failure();
    }
    if (relay.failure() != null) {
      return "transactional relay failed: " + relay.failure();
    }
    return streamsApps.stream().allMatch(StreamsApp::isRunning) ? null : "a baseline Streams stage is not running";
  }

  @Override
  public void close() {
    watcher.close();
    closeAll(stages);
  }

  private static void closeAll(List<AutoCloseable> stages) {
    List<AutoCloseable> reverse = new ArrayList<>(stages);
    Collections.reverse(reverse);
    for (AutoCloseable stage : reverse) {
      try {
        stage.close();
      } catch (Exception e) {
        System.err.println("warning: closing a baseline stage failed: " + e.getMessage());
      }
    }
  }
}
