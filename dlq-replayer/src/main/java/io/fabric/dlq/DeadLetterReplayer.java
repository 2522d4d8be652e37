package io.fabric.dlq;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.KafkaHeader;
import io.fabric.contracts.ReplayLineage;
import io.fabric.gateway.RequestSigner;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.DeadLetters;
import io.fabric.schemas.topics.ReservedNames;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.ApplicationRecoverableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Republishes dead letters (requests to the replays topic with their {@link ReplayLineage}, other
 * records to their original topic, or all to {@code --to-topic}; see {@link ReplayTarget}) with
 * their original headers plus provenance headers ({@link ReservedNames#REPLAY_HEADERS}).
 *
 * <p>Each batch of republished records and their {@linkplain ReplayLedger ledger} entries is one
 * Kafka transaction, so for a {@code read_committed} consumer (the policy gate and every fabric
 * stage) a record is either replayed and recorded, or neither. The transactional id is fixed per
 * topic prefix ({@code <prefix>dlq-replayer}): starting a replay aborts whatever a killed previous
 * run left open and fences a replay still running elsewhere, and only then is the ledger read, so
 * two replays never both republish the same dead letter.
 */
public final class DeadLetterReplayer {
  /** Batches commit within a second; a killed run's open transaction must not hold consumers back longer than this. */
  static final int TRANSACTION_TIMEOUT_MS = 15_000;
  private static final int MAX_BATCH = 200;
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
  private static final Logger log = LoggerFactory.getLogger(DeadLetterReplayer.class);

  private final KafkaConnection connection;
  private final TopicCatalog catalog;
  private final TopicSpec<String, String> ledgerTopic;
  private final Clock clock;
  private final String user;
  private RequestSigner signer;

  public DeadLetterReplayer(KafkaConnection connection, TopicCatalog catalog) {
    this(connection, catalog, Clock.systemUTC(), System.getProperty("user.name", "unknown"));
  }

  public DeadLetterReplayer(KafkaConnection connection, TopicCatalog catalog, Clock clock, String user) {
    this.connection = connection;
    this.catalog = catalog;
    this.ledgerTopic = ReplayLedgerTopic.spec(catalog);
    this.clock = clock;
    this.user = user;
  }

  /**
   * Signs every replayed request as {@code signer}, the replayer's submitter identity: a fabric with a
   * submitter registry accepts replays only so signed (and only from a submitter scoped for replays).
   */
  public DeadLetterReplayer signedBy(RequestSigner signer) {
    this.signer = signer;
    return this;
  }

  public String transactionalId() {
    return catalog.dlqReplayerTransactionalId();
  }

  /** What {@link #execute} would do now, publishing nothing and creating nothing. */
  public ReplayReport dryRun(Predicate<DeadLetterEntry> filter, ReplayOptions options) {
    ReplayLedger ledger = ReplayLedger.read(connection, ledgerTopic);
    List<ReplayDecision> decisions = plan(filter, options, ledger);
    List<ReplayDecision> selected = selected(decisions, options);
    String error = null;
    try (Admin admin = Admin.create(connection.clientConfig())) {
      Collection<String> missing = missingTopics(admin, targets(selected));
      if (!missing.isEmpty()) {
        error = missingTopicsMessage(missing);
      }
    }
    Set<ReplayDecision> wouldReplay = Collections.newSetFromMap(new IdentityHashMap<>());
    wouldReplay.addAll(selected);
    List<ReplayOutcome> outcomes = new ArrayList<>();
    for (ReplayDecision decision : decisions) {
      outcomes.add(new ReplayOutcome(decision, switch (decision.action()) {
        case REPLAY -> wouldReplay.contains(decision) ? ReplayOutcome.Status.WOULD_REPLAY : ReplayOutcome.Status.NOT_ATTEMPTED;
        case ALREADY_REPLAYED -> ReplayOutcome.Status.ALREADY_REPLAYED;
        case REFUSED -> ReplayOutcome.Status.REFUSED;
      }));
    }
    return new ReplayReport(false, outcomes, error);
  }

  /**
   * Replays the dead letters the filter selects. Returns a report rather than throwing when
   * publishing fails part-way, so the caller can say what was committed before the failure.
   */
  public ReplayReport execute(Predicate<DeadLetterEntry> filter, ReplayOptions options, ReplayListener listener) {
    KafkaProducer<byte[], byte[]> producer = null;
    try (Admin admin = Admin.create(connection.clientConfig())) {
      if (!missingTopics(admin, List.of(catalog.dlq.name())).isEmpty()) {
        // Checked before the ledger topic is created, so a mistyped --topic-prefix creates nothing.
        throw new TopicScanner.MissingTopicException(catalog.dlq.name());
      }
      ensureLedgerTopic(admin);
      producer = new KafkaProducer<>(producerConfig(), new ByteArraySerializer(), new ByteArraySerializer());
      producer.initTransactions();
      ReplayLedger ledger = ReplayLedger.read(connection, ledgerTopic);
      List<ReplayDecision> decisions = plan(filter, options, ledger);
      List<ReplayDecision> selected = selected(decisions, options);
      Map<ReplayDecision, ReplayOutcome.Status> status = new IdentityHashMap<>();
      Collection<String> missing = missingTopics(admin, targets(selected));
      String error = null;
      if (!missing.isEmpty()) {
        error = missingTopicsMessage(missing);
      } else {
        error = publish(producer, ledger, selected, options, listener, status);
      }
      List<ReplayOutcome> outcomes = new ArrayList<>();
      for (ReplayDecision decision : decisions) {
        outcomes.add(new ReplayOutcome(decision, switch (decision.action()) {
          case REPLAY -> status.getOrDefault(decision, ReplayOutcome.Status.NOT_ATTEMPTED);
          case ALREADY_REPLAYED -> ReplayOutcome.Status.ALREADY_REPLAYED;
          case REFUSED -> ReplayOutcome.Status.REFUSED;
        }));
      }
      return new ReplayReport(true, outcomes, error);
    } finally {
      if (producer != null) {
        producer.close(CLOSE_TIMEOUT);
      }
      listener.finished();
    }
  }

  private String publish(KafkaProducer<byte[], byte[]> producer, ReplayLedger ledger, List<ReplayDecision> selected,
                         ReplayOptions options, ReplayListener listener,
                         Map<ReplayDecision, ReplayOutcome.Status> status) {
    listener.started(selected.size());
    RatePacer pacer = new RatePacer(options.rate(), System::nanoTime, RatePacer.REAL_SLEEP);
    int batchSize = RatePacer.batchSize(options.rate(), MAX_BATCH);
    for (int start = 0; start < selected.size(); start += batchSize) {
      List<ReplayDecision> batch = selected.subList(start, Math.min(selected.size(), start + batchSize));
      List<ReplayLedger.Entry> written = new ArrayList<>(batch.size());
      try {
        producer.beginTransaction();
        for (ReplayDecision decision : batch) {
          pacer.acquire();
          Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
          DeadLetter deadLetter = decision.entry().deadLetter();
          ReplayLineage lineage = ReplayLineage.newBuilder().setDeadLetterId(deadLetter.getId())
              .setGeneration(decision.replayCount()).setReplayedAt(now.toEpochMilli()).setReplayedBy(user).build();
          ReplayTarget.Resend resend = ReplayTarget.of(catalog, deadLetter, options.toTopic(), lineage, signer);
          producer.send(new ProducerRecord<>(decision.targetTopic(), null, now.toEpochMilli(), resend.key(), resend.value(),
              replayHeaders(decision, now)));
          ReplayLedger.Entry entry = ledger.withReplay(decision.entry().id(),
              new ReplayLedger.Replay(decision.targetTopic(), decision.replayCount(), now, user));
          producer.send(new ProducerRecord<>(ledgerTopic.name(), entry.dlqId().getBytes(StandardCharsets.UTF_8),
              ReplayLedger.toJson(entry).getBytes(StandardCharsets.UTF_8)));
          producer.send(replayAudit(deadLetter, decision, now));
          written.add(entry);
        }
        producer.commitTransaction();
      } catch (ApplicationRecoverableException e) {
        // Fenced: another replay started with the same transactional id and aborted this one's open transaction.
        batch.forEach(d -> status.put(d, ReplayOutcome.Status.FAILED));
        return "another replay took over (" + e.getClass().getSimpleName() + "); nothing of the last batch was committed";
      } catch (KafkaException e) {
        abortQuietly(producer, e);
        batch.forEach(d -> status.put(d, ReplayOutcome.Status.FAILED));
        return "publishing failed, the last batch was rolled back: " + DeadLetters.describe(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        abortQuietly(producer, e);
        batch.forEach(d -> status.put(d, ReplayOutcome.Status.FAILED));
        return "interrupted; the last batch was rolled back";
      }
      written.forEach(ledger::put);
      batch.forEach(d -> status.put(d, ReplayOutcome.Status.REPLAYED));
      listener.committed(batch.size());
    }
    return null;
  }

  /** The REPLAYED audit event, written in the replay's transaction so the audit trail has exactly the replays that happened. */
  private ProducerRecord<byte[], byte[]> replayAudit(DeadLetter deadLetter, ReplayDecision decision, Instant now) {
    io.fabric.contracts.AuditEvent event = io.fabric.contracts.AuditEvent.newBuilder().setId(java.util.UUID.randomUUID().toString())
        .setAt(now.toEpochMilli()).setType(io.fabric.schemas.records.AuditEvents.REPLAYED).setTenantId(deadLetter.getTenantId())
        .setFlowId(deadLetter.getFlowId()).setRequestId(deadLetter.getRequestId()).setAction(deadLetter.getAction())
        .setSubmitter(deadLetter.getSubmitter())
        .setDetail("dead letter " + deadLetter.getId() + " (" + deadLetter.getStage() + ", " + deadLetter.getReason() + ") replayed by "
            + user + " to " + decision.targetTopic() + ", generation " + decision.replayCount())
        .build();
    byte[] key = deadLetter.getFlowId() == null ? null : deadLetter.getFlowId().getBytes(StandardCharsets.UTF_8);
    return new ProducerRecord<>(catalog.audit.name(), null, now.toEpochMilli(), key, catalog.audit.valueSerde().serializer()
        .serialize(catalog.audit.name(), event));
  }

  private Headers replayHeaders(ReplayDecision decision, Instant now) {
    RecordHeaders headers = new RecordHeaders();
    for (KafkaHeader header : decision.entry().deadLetter().getOriginalHeaders()) {
      if (!ReservedNames.REPLAY_HEADERS.contains(header.getKey())) {
        headers.add(header.getKey(), DeadLetterEntry.bytes(header.getValue()));
      }
    }
    headers.add(ReservedNames.REPLAY_OF_HEADER, utf8(decision.entry().id()));
    headers.add(ReservedNames.REPLAY_COUNT_HEADER, utf8(Integer.toString(decision.replayCount())));
    headers.add(ReservedNames.REPLAY_AT_HEADER, utf8(now.toString()));
    headers.add(ReservedNames.REPLAY_BY_HEADER, utf8(user));
    return headers;
  }

  private List<ReplayDecision> plan(Predicate<DeadLetterEntry> filter, ReplayOptions options, ReplayLedger ledger) {
    List<DeadLetterEntry> entries = new DeadLetterReader(connection, catalog.dlq).read(filter);
    return ReplayPlanner.plan(entries, ledger, options, catalog);
  }

  /** The decisions to republish, at most {@code --max} of them. */
  private static List<ReplayDecision> selected(List<ReplayDecision> decisions, ReplayOptions options) {
    List<ReplayDecision> replays = decisions.stream().filter(d -> d.action() == ReplayDecision.Action.REPLAY).toList();
    return options.max() > 0 && replays.size() > options.max() ? replays.subList(0, options.max()) : replays;
  }

  private static Collection<String> targets(List<ReplayDecision> selected) {
    return new TreeSet<>(selected.stream().map(ReplayDecision::targetTopic).toList());
  }

  private Map<String, Object> producerConfig() {
    Map<String, Object> config = connection.clientConfig();
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId());
    config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    // A replay is rate-limited, not throughput-bound. One request in flight means a retried batch can
    // never be overtaken by a later one: right after a topic was created (the ledger on a first replay),
    // a NOT_LEADER_OR_FOLLOWER on the first batch otherwise turns into OUT_OF_ORDER_SEQUENCE_NUMBER
    // retries until delivery.timeout.ms.
    config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "fabric-dlq-replayer");
    return config;
  }

  /** Creates the ledger topic from its spec when it is missing (until the topic catalog, and so `fabric topics apply`, owns it). */
  private void ensureLedgerTopic(Admin admin) {
    if (missingTopics(admin, List.of(ledgerTopic.name())).isEmpty()) {
      return;
    }
    NewTopic topic = new NewTopic(ledgerTopic.name(), Optional.of(ledgerTopic.partitions()), Optional.empty())
        .configs(ledgerTopic.config());
    try {
      admin.createTopics(List.of(topic)).all().get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("cannot create the replay ledger topic " + ledgerTopic.name() + ": "
            + DeadLetters.describe(e.getCause()), e.getCause());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating " + ledgerTopic.name(), e);
    }
  }

  private static Collection<String> missingTopics(Admin admin, Collection<String> topics) {
    List<String> missing = new ArrayList<>();
    if (topics.isEmpty()) {
      return missing;
    }
    Map<String, KafkaFuture<org.apache.kafka.clients.admin.TopicDescription>> futures =
        admin.describeTopics(topics).topicNameValues();
    for (var entry : futures.entrySet()) {
      try {
        entry.getValue().get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof UnknownTopicOrPartitionException) {
          missing.add(entry.getKey());
        } else {
          throw new IllegalStateException("cannot describe topic " + entry.getKey() + ": " + DeadLetters.describe(e.getCause()), e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while describing topics", e);
      }
    }
    return missing;
  }

  private static String missingTopicsMessage(Collection<String> missing) {
    return "target topic" + (missing.size() == 1 ? "" : "s") + " " + String.join(", ", missing)
        + (missing.size() == 1 ? " does" : " do") + " not exist; nothing was replayed";
  }

  private static void abortQuietly(KafkaProducer<byte[], byte[]> producer, Exception cause) {
    try {
      producer.abortTransaction();
    } catch (KafkaException abortFailure) {
      // The transaction then times out on the broker, or the next replay's initTransactions aborts it.
      log.warn("could not abort the replay transaction after {}: {}", cause.toString(), abortFailure.toString());
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
