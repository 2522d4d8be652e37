package io.fabric.agents.flow;

import io.fabric.agents.run.AgentRun;
import io.fabric.agents.run.ToolGate;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.RequestStatus;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.Submission;
import io.fabric.plugins.flows.FlowHistoryReader;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.topics.TopicCatalog;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ToolRequests} on Kafka: calls are submitted with a {@link FabricClient} per submitter identity
 * (its key signs them); outcomes are followed by one thread per process that reads
 * {@code fabric.requests.status} (read_committed) from where it started, plus one look-up of a call's
 * earlier statuses when a run first asks for it (a run resumed after a restart), so every status of a
 * watched call is seen once the follower started. An EXECUTED status is believed only with the plugin
 * runtime's checkpoint of the call's flow ({@link ToolOutcomeCheck}), which the follower reads, not the
 * run's poll: the runtime's thread never waits on Kafka here.
 */
public final class FabricToolRequests implements ToolRequests, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FabricToolRequests.class);

  private final KafkaConnection connection;
  private final TopicCatalog catalog;
  private final Map<String, FabricClient> clientsBySubmitter;
  /** The calls runs wait for, by request id, with their tenant. */
  private final Map<String, Watched> watched = new ConcurrentHashMap<>();
  private final Map<String, ToolGate.Outcome> outcomes = new ConcurrentHashMap<>();
  private final LinkedBlockingQueue<String> lookUps = new LinkedBlockingQueue<>();
  private volatile KafkaConsumer<String, RequestStatus> consumer;
  private volatile Thread follower;
  private volatile boolean closed;

  private record Watched(String tenant, AgentRun.PendingTool tool) {}

  public FabricToolRequests(KafkaConnection connection, TopicCatalog catalog, Map<String, FabricClient> clientsBySubmitter) {
    this.connection = connection;
    this.catalog = catalog;
    this.clientsBySubmitter = Map.copyOf(clientsBySubmitter);
  }

  @Override
  public void submit(String tenant, AgentRun.PendingTool tool) {
    FabricClient client = clientsBySubmitter.get(tool.submitter());
    if (client == null) {
      throw new IllegalStateException("no signing key for the agent's submitter " + tool.submitter());
    }
    watch(tenant, tool);
    client.submit(Submission.of(tenant, tool.action()).requestId(tool.requestId()).flowId(tool.requestId())
        .idempotencyKey(tool.idempotencyKey()).payload(tool.payload().toString()).source("agent"));
  }

  @Override
  public Optional<ToolGate.Outcome> outcome(String tenant, AgentRun.PendingTool tool) {
    watch(tenant, tool);
    // handed over once: the run checkpoints it; asked again (that checkpoint lost), the call is looked up again
    ToolGate.Outcome outcome = outcomes.remove(tool.requestId());
    if (outcome != null) {
      watched.remove(tool.requestId());
    }
    return Optional.ofNullable(outcome);
  }

  private void watch(String tenant, AgentRun.PendingTool tool) {
    startFollower();
    if (watched.putIfAbsent(tool.requestId(), new Watched(tenant, tool)) == null && !outcomes.containsKey(tool.requestId())) {
      lookUps.add(tool.requestId());
    }
  }

  /** Started on first use, so a process that runs no agent reads nothing; positions fixed before any look-up. */
  private synchronized void startFollower() {
    if (follower != null || closed) {
      return;
    }
    Map<String, Object> config = connection.clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "fabric-agents-tool-outcomes");
    var keys = catalog.requestStatus.keySerde().deserializer();
    var values = catalog.requestStatus.valueSerde().deserializer();
    keys.configure(config, true);
    values.configure(config, false);
    KafkaConsumer<String, RequestStatus> created = new KafkaConsumer<>(config, keys, values);
    List<TopicPartition> partitions = created.partitionsFor(catalog.requestStatus.name(), Duration.ofSeconds(15)).stream()
        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    created.assign(partitions);
    created.seekToEnd(partitions);
    partitions.forEach(p -> created.position(p, Duration.ofSeconds(15)));
    consumer = created;
    follower = new Thread(this::follow, "fabric-agents-tool-outcomes");
    follower.setDaemon(true);
    follower.start();
  }

  /**
   * Reads until closed. A failed read (a look-up timing out, the broker away) is logged and tried again
   * after a pause: a waiting run only learns its outcome later, it never loses it.
   */
  private void follow() {
    try {
      while (!closed) {
        try {
          for (ConsumerRecord<String, RequestStatus> record : consumer.poll(Duration.ofMillis(200))) {
            if (record.value() != null && watched.containsKey(record.key())) {
              consider(record.value());
            }
          }
          for (String requestId = lookUps.peek(); requestId != null; requestId = lookUps.peek()) {
            if (watched.containsKey(requestId)) {
              for (RequestStatus status : LatestByKeyReader.all(connection, catalog.requestStatus, requestId, s -> true)) {
                consider(status);
              }
            }
            lookUps.remove(requestId);
          }
        } catch (WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          log.warn("agents: reading the outcomes of tool calls failed ({}); trying again", e.toString());
          java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** A status of a watched call: its outcome once final and believed; anything else is logged and waited past. */
  private void consider(RequestStatus status) {
    Watched call = watched.get(status.getRequestId());
    if (call == null || outcomes.containsKey(status.getRequestId())) {
      return;
    }
    Optional<FlowCheckpoint> checkpoint = "EXECUTED".equals(status.getOutcome())
        ? FlowHistoryReader.latest(connection, catalog, status.getFlowId()) : Optional.empty();
    ToolOutcomeCheck.Verdict verdict = ToolOutcomeCheck.judge(call.tenant(), call.tool(), status, checkpoint);
    if (verdict instanceof ToolOutcomeCheck.Verdict.Final done) {
      outcomes.put(status.getRequestId(), done.outcome());
    } else if (verdict instanceof ToolOutcomeCheck.Verdict.Untrusted untrusted) {
      log.warn("agents: ignoring a status of tool call {}: {}", status.getRequestId(), untrusted.why());
    }
  }

  @Override
  public void close() {
    closed = true;
    KafkaConsumer<String, RequestStatus> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    Thread t = follower;
    if (t != null) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    clientsBySubmitter.values().forEach(FabricClient::close);
  }
}
