package io.fabric.gateway.http;

import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.FabricClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Puts the gateway's requests on the ingress topic and answers only once Kafka has them (the
 * client is acks=all). At most {@code maxInFlight} records wait for an acknowledgement: past that
 * a caller is told to come back ({@link Result.Busy}) instead of being queued, so a slow or absent
 * broker never fills the gateway's memory.
 */
public final class IngressSender implements AutoCloseable {
  /** What became of a submission. */
  public sealed interface Result {
    /** Kafka acknowledged every request. */
    record Accepted(List<TaskRequest> requests) implements Result {}

    /** Too many records wait for Kafka already; nothing was sent. */
    record Busy() implements Result {}

    /** Kafka could not be reached in time; {@code acknowledged} lists the requests of a batch that did get through. */
    record Unavailable(String detail, List<TaskRequest> acknowledged) implements Result {}

    /** Kafka refused a record for good (too large, not authorized, ...). */
    record Refused(String detail, List<TaskRequest> acknowledged) implements Result {}
  }

  private final FabricClient client;
  private final Semaphore inFlight;
  private final int maxInFlight;

  public IngressSender(FabricClient client, int maxInFlight) {
    this.client = client;
    this.maxInFlight = maxInFlight;
    this.inFlight = new Semaphore(maxInFlight);
  }

  public CompletableFuture<Result> send(List<TaskRequest> requests) {
    if (!inFlight.tryAcquire(requests.size())) {
      return CompletableFuture.completedFuture(new Result.Busy());
    }
    List<CompletableFuture<TaskRequest>> sends = new ArrayList<>();
    for (TaskRequest request : requests) {
      CompletableFuture<TaskRequest> sent;
      try {
        sent = client.send(request);
      } catch (RuntimeException e) {
        sent = CompletableFuture.failedFuture(e);
      }
      sends.add(sent.whenComplete((r, e) -> inFlight.release()));
    }
    return CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).handle((ignored, error) -> outcome(sends));
  }

  private static Result outcome(List<CompletableFuture<TaskRequest>> sends) {
    List<TaskRequest> acknowledged = new ArrayList<>();
    Throwable failure = null;
    for (CompletableFuture<TaskRequest> send : sends) {
      try {
        acknowledged.add(send.join());
      } catch (RuntimeException e) {
        failure = failure == null ? (e.getCause() != null ? e.getCause() : e) : failure;
      }
    }
    if (failure == null) {
      return new Result.Accepted(acknowledged);
    }
    if (failure instanceof RetriableException) {
      return new Result.Unavailable("Kafka did not acknowledge in time: " + failure.getMessage(), acknowledged);
    }
    return new Result.Refused(failure.getClass().getSimpleName() + ": " + failure.getMessage(), acknowledged);
  }

  /** Records sent and not acknowledged yet. */
  public int inFlight() {
    return maxInFlight - inFlight.availablePermits();
  }

  @Override
  public void close() {
    client.close();
  }
}
