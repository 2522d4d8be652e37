package io.fabric.gateway;

import io.fabric.contracts.TaskRequest;
import io.fabric.observability.FabricMetrics;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.IngressKey;
import io.fabric.schemas.records.TraceContext;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The way upstream systems (and {@code fabric submit}) put requests on {@code fabric.tasks.ingress}:
 * an idempotent, acks=all producer keyed by flow id, with the traceparent as a header. A send
 * that fails is reported to the caller, never dropped. A request the gate would block for its ids,
 * a reserved attribute or replay lineage is refused before it is sent.
 */
public final class FabricClient implements AutoCloseable {
  private final KafkaProducer<String, TaskRequest> producer;
  private final TopicSpec<String, TaskRequest> ingress;
  private final Clock clock;
  private RequestSigner signer;

  public FabricClient(KafkaConnection connection, TopicCatalog catalog) {
    this(connection, catalog, Map.of(), Clock.systemUTC());
  }

  public FabricClient(KafkaConnection connection, TopicCatalog catalog, Map<String, Object> producerOverrides, Clock clock) {
    Map<String, Object> config = connection.clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "fabric-gateway");
    config.putAll(producerOverrides);
    this.ingress = catalog.ingress;
    this.producer = new KafkaProducer<>(config, ingress.keySerde().serializer(), ingress.valueSerde().serializer());
    this.clock = clock;
  }

  /** Binds the producer's metrics to the process's registry; closing the binding removes them. */
  public FabricMetrics.Binding bindMetrics(FabricMetrics metrics) {
    return metrics.bind(producer);
  }

  /** Signs every request sent from now on as {@code submitter}: required once the gate has a submitter registry. */
  public FabricClient signedBy(RequestSigner submitter) {
    this.signer = submitter;
    return this;
  }

  /** Sends and waits for the broker's acknowledgement; returns what was sent. */
  public TaskRequest submit(Submission submission) {
    try {
      return submitAsync(submission).get(150, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SubmitException("interrupted while submitting", e);
    } catch (ExecutionException e) {
      throw new SubmitException("could not submit to " + ingress.name() + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new SubmitException("no acknowledgement from Kafka within 150 s for " + ingress.name(), e);
    }
  }

  /** Sends without waiting; the future fails when Kafka refuses the record. */
  public CompletableFuture<TaskRequest> submitAsync(Submission submission) {
    return send(submission.toRequest(clock.millis()));
  }

  /**
   * Sends an already-built request (benchmarks, load tests).
   *
   * @throws IllegalArgumentException naming the field, when an id breaks {@code Identifiers}, an
   *     attribute is reserved or the request carries replay lineage; nothing is sent
   */
  public CompletableFuture<TaskRequest> send(TaskRequest unsigned) {
    Submission.requireSendable(unsigned);
    TaskRequest request = signer == null ? unsigned : signer.sign(unsigned);
    ProducerRecord<String, TaskRequest> record = new ProducerRecord<>(ingress.name(), IngressKey.of(request), request);
    TraceContext.set(record.headers(), request.getTraceparent());
    CompletableFuture<TaskRequest> result = new CompletableFuture<>();
    producer.send(record, (metadata, error) -> {
      if (error != null) {
        result.completeExceptionally(error);
      } else {
        result.complete(request);
      }
    });
    return result;
  }

  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close();
  }

  /** A request Kafka did not accept. */
  public static final class SubmitException extends RuntimeException {
    public SubmitException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
