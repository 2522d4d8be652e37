package io.fabric.cli.faults;

import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.Submission;
import io.fabric.policy.approvals.TokenCodec;
import io.fabric.policy.approvals.TokenSigner;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The fault suite's load: one submission per tick from the test JVM, through {@link FabricClient}
 * as an upstream system would, in a fixed cycle of 20: 12 class-A {@code summarize} (every third
 * one a further step of an earlier flow), 4 pre-approved {@code create_charge} (Stripe, which
 * honours Idempotency-Key), 3 pre-approved {@code send_whatsapp} (no idempotency: in-doubt goes to
 * the DLQ) and 1 poison pill (5%), rotating random bytes, truncated Avro, an unknown schema
 * fingerprint and an oversized payload. Sends are asynchronous and leave the ticking thread at once,
 * so the rate holds while the broker is down (the records queue up in order); only what Kafka
 * acknowledged counts as submitted.
 */
final class SteadyLoad implements AutoCloseable {
  /** What a submission was meant to exercise. */
  enum Kind {
    SUMMARIZE, CHARGE, WHATSAPP, OVERSIZED, RANDOM_BYTES, TRUNCATED_AVRO, UNKNOWN_FINGERPRINT, DUPLICATE;

    /** Bytes that do not decode as a TaskRequest: no request id, they must end as UNDECODABLE dead letters. */
    boolean undecodable() {
      return this == RANDOM_BYTES || this == TRUNCATED_AVRO || this == UNKNOWN_FINGERPRINT;
    }
  }

  /**
   * One acknowledged submission.
   *
   * @param request the request, null for undecodable bytes
   * @param partition where Kafka put undecodable bytes (known by position only); -1 for a request
   * @param duplicateOf for {@link Kind#DUPLICATE}, the request it repeats
   */
  record Sent(Kind kind, TaskRequest request, int partition, long offset, String duplicateOf) {
    String id() {
      return request.getRequestId();
    }
  }

  private static final Kind[] POISON = {Kind.RANDOM_BYTES, Kind.TRUNCATED_AVRO, Kind.UNKNOWN_FINGERPRINT, Kind.OVERSIZED};
  private static final String[] TENANTS = {"acme", "globex"};

  private final String run;
  private final FabricClient client;
  private final KafkaProducer<byte[], byte[]> raw;
  private final String ingress;
  private final TokenSigner signer;
  private final Random random = new Random(42);
  private final AvroSerde<TaskRequest> requests = AvroSerde.of(TaskRequest.class);
  private final AtomicInteger ticks = new AtomicInteger();
  private final Queue<Sent> acknowledged = new ConcurrentLinkedQueue<>();
  private final Queue<String> failures = new ConcurrentLinkedQueue<>();
  private final List<TaskRequest> flows = new ArrayList<>();
  private ScheduledExecutorService ticker;
  /** Sends in tick order on their own thread: a producer blocks on metadata while the broker is down, the ticks go on. */
  private ExecutorService sender;

  SteadyLoad(String run, KafkaConnection connection, TopicCatalog catalog, TokenSigner signer) {
    this.run = run;
    this.client = new FabricClient(connection, catalog);
    Map<String, Object> config = connection.clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "fault-suite-poison");
    this.raw = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    this.ingress = catalog.ingress.name();
    this.signer = signer;
  }

  /** Submits one request every {@code interval} until {@link #stop()}. */
  void start(Duration interval) {
    sender = Executors.newSingleThreadExecutor(r -> {
      Thread thread = new Thread(r, "fault-suite-send");
      thread.setDaemon(true);
      return thread;
    });
    ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "fault-suite-load");
      thread.setDaemon(true);
      return thread;
    });
    ticker.scheduleAtFixedRate(this::tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops ticking and waits until every submission is acknowledged or failed. */
  void stop() {
    for (ExecutorService executor : new ExecutorService[] {ticker, sender}) {
      if (executor != null) {
        executor.shutdown();
        try {
          executor.awaitTermination(150, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    client.flush();
    raw.flush();
  }

  int ticks() {
    return ticks.get();
  }

  List<Sent> acknowledged() {
    return List.copyOf(acknowledged);
  }

  List<String> failures() {
    return List.copyOf(failures);
  }

  private synchronized void tick() {
    int i = ticks.getAndIncrement();
    int slot = i % 20;
    try {
      if (slot == 19) {
        poison(POISON[(i / 20) % POISON.length], i);
      } else if (slot % 5 == 1) {
        submitApproved(Kind.CHARGE, "create_charge", "{\"amount\":" + (100 + i) + ",\"currency\":\"eur\",\"payment_method\":\"pm_card_visa\","
            + "\"description\":\"fault suite " + i + "\"}", "charge-" + run + "-" + i);
      } else if (slot % 6 == 2) {
        String key = "wa-" + run + "-" + i;
        submitApproved(Kind.WHATSAPP, "send_whatsapp", "{\"to\":\"+1555" + String.format("%07d", i) + "\",\"text\":\"" + marker(key)
            + "\"}", key);
      } else {
        summarize(i);
      }
    } catch (RuntimeException e) {
      failures.add("tick " + i + ": " + e);
    }
  }

  /** The text a WhatsApp message carries, so the vendor's log shows which request sent it. */
  static String marker(String idempotencyKey) {
    return "fault suite message " + idempotencyKey;
  }

  private void summarize(int i) {
    Submission submission = Submission.of(TENANTS[i % TENANTS.length], "summarize")
        .payload("{\"text\":\"Request " + i + " of the fault suite. The fabric gates every action. Nothing runs twice.\"}")
        .idempotencyKey("sum-" + run + "-" + i);
    if (i % 3 == 0 && !flows.isEmpty()) {
      TaskRequest earlier = flows.get(random.nextInt(flows.size()));
      submission = Submission.of(earlier.getTenantId(), "summarize").flowId(earlier.getFlowId())
          .payload("{\"text\":\"Step " + i + " of flow " + earlier.getFlowId() + ". It continues.\"}")
          .idempotencyKey("sum-" + run + "-" + i);
    }
    TaskRequest request = submission.toRequest(System.currentTimeMillis());
    if (request.getFlowId().equals(request.getRequestId())) {
      flows.add(request);
    }
    send(Kind.SUMMARIZE, request, null);
  }

  private void submitApproved(Kind kind, String action, String payload, String key) {
    TaskRequest request = Submission.of(TENANTS[0], action).payload(payload).idempotencyKey(key).toRequest(System.currentTimeMillis());
    send(kind, approved(request), null);
  }

  /** The request with a signed approval token attached (pre-approved, as {@code --approval-token} does). */
  TaskRequest approved(TaskRequest request) {
    request.setApprovalToken(TokenCodec.encode(signer.approve(request, "fault suite load")));
    return request;
  }

  /**
   * Submits a request with the tenant, action, payload and idempotency key of {@code original} but
   * a new request id and flow: the gate must answer DUPLICATE and never run it again. A charge
   * carries its own valid token, so only deduplication stops it.
   */
  synchronized void submitDuplicate(Sent original) {
    TaskRequest first = original.request();
    TaskRequest again = Submission.of(first.getTenantId(), first.getAction()).payload(first.getPayload())
        .idempotencyKey(first.getIdempotencyKey()).toRequest(System.currentTimeMillis());
    send(Kind.DUPLICATE, first.getApprovalToken() == null ? again : approved(again), first.getRequestId());
  }

  private void send(Kind kind, TaskRequest request, String duplicateOf) {
    sender.execute(() -> client.send(request).whenComplete((sent, error) -> {
      if (error != null) {
        failures.add(kind + " " + request.getRequestId() + ": " + error);
      } else {
        acknowledged.add(new Sent(kind, request, -1, -1, duplicateOf));
      }
    }));
  }

  private void poison(Kind kind, int i) {
    if (kind == Kind.OVERSIZED) {
      TaskRequest request = Submission.of(TENANTS[0], "summarize").payload("{\"text\":\"" + "x".repeat(70_000) + "\"}")
          .idempotencyKey("big-" + run + "-" + i).toRequest(System.currentTimeMillis());
      send(kind, request, null);
      return;
    }
    byte[] value = switch (kind) {
      case RANDOM_BYTES -> {
        byte[] bytes = new byte[64];
        random.nextBytes(bytes);
        bytes[0] = 0x42; // never the single-object marker
        yield bytes;
      }
      case TRUNCATED_AVRO -> {
        TaskRequest request = Submission.of(TENANTS[0], "summarize").payload("{\"text\":\"cut short\"}").toRequest(System.currentTimeMillis());
        byte[] whole = requests.serialize(ingress, request);
        byte[] half = new byte[whole.length / 2];
        System.arraycopy(whole, 0, half, 0, half.length);
        yield half;
      }
      default -> {
        // the single-object header (C3 01) with a fingerprint no released or published schema has
        byte[] bytes = new byte[40];
        random.nextBytes(bytes);
        bytes[0] = (byte) 0xC3;
        bytes[1] = 0x01;
        yield bytes;
      }
    };
    byte[] key = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
    sender.execute(() -> raw.send(new ProducerRecord<>(ingress, key, value), (metadata, error) -> {
      if (error != null) {
        failures.add(kind + " at tick " + i + ": " + error);
      } else {
        acknowledged.add(new Sent(kind, null, metadata.partition(), metadata.offset(), null));
      }
    }));
  }

  @Override
  public void close() {
    stop();
    client.close();
    raw.close(Duration.ofSeconds(10));
  }
}
