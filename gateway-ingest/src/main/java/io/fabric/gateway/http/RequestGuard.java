package io.fabric.gateway.http;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The gateway's outermost Jetty handler: it runs when a request's headers have arrived, before any
 * thread reads its body. Javalin reads a body with a blocking read on a server thread, so without it
 * one key holder who opens hundreds of POSTs and trickles their bodies holds every thread, and the
 * probes and every other tenant wait. It bounds two things:
 * <ul>
 *   <li>requests in flight per API key ({@link KeyConcurrency}): a request past the limit is not
 *       counted and is marked {@link #OVER_LIMIT}, so the gateway answers it 429 before any handler
 *       reads its body (through its own error path, so it is counted and labelled like every answer);</li>
 *   <li>the time a body may take to arrive, as a whole, from when the request is handed over: past it
 *       the connection is closed, which fails the blocked read and frees the thread. An idle timeout
 *       alone does not do it (a byte now and then keeps a connection busy), and Jetty 12 does not
 *       enforce {@code HttpConfiguration#setMinRequestDataRate}; its {@code MinimumDataRateHandler}
 *       measures every request's bytes together, not one request's.</li>
 * </ul>
 * Requests without a known API key are not counted (the gateway answers them 401 before it reads a body,
 * or they are probes); the body deadline applies to every request that has one.
 */
final class RequestGuard extends Handler.Wrapper {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RequestGuard.class);
  /** Request attribute on a request whose API key has its limit in flight already: the limit, an Integer. */
  static final String OVER_LIMIT = "fabric.gateway.over-key-limit";

  private final Function<String, Optional<String>> knownKey;
  private final KeyConcurrency perKey;
  private final Duration bodyTimeout;

  /**
   * @param knownKey the identity of a presented API key (its digest), empty when the key is not one of ours
   * @param bodyTimeout the longest a request's body may take to arrive in full
   */
  RequestGuard(Function<String, Optional<String>> knownKey, KeyConcurrency perKey, Duration bodyTimeout) {
    this.knownKey = knownKey;
    this.perKey = perKey;
    this.bodyTimeout = bodyTimeout;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    Optional<String> key = apiKeyOf(request);
    if (key.isPresent() && !perKey.tryAcquire(key.get())) {
      request.setAttribute(OVER_LIMIT, perKey.limit());
      key = Optional.empty();
    }
    boolean hasBody = request.getLength() > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
    BodyDeadline deadline = hasBody ? new BodyDeadline(request) : null;
    Completion completion = new Completion(callback, key.orElse(null), deadline);
    Request guarded = deadline == null ? request : deadline;
    try {
      boolean handled = super.handle(guarded, response, completion);
      if (!handled) {
        completion.release();
      }
      return handled;
    } catch (Throwable t) {
      // Jetty fails its own callback, not ours: release here
      completion.release();
      throw t;
    }
  }

  private Optional<String> apiKeyOf(Request request) {
    String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    return knownKey.apply(authorization.substring(7));
  }

  /** Completes the request's callback and releases its key's slot exactly once, however the request ends. */
  private final class Completion implements Callback {
    private final Callback callback;
    private final String key;
    private final BodyDeadline deadline;
    private final AtomicBoolean released = new AtomicBoolean();

    /** @param key null when the request has no known API key; @param deadline null when it has no body */
    Completion(Callback callback, String key, BodyDeadline deadline) {
      this.callback = callback;
      this.key = key;
      this.deadline = deadline;
    }

    void release() {
      if (released.compareAndSet(false, true)) {
        if (deadline != null) {
          deadline.cancel();
        }
        if (key != null) {
          perKey.release(key);
        }
      }
    }

    @Override
    public void succeeded() {
      release();
      callback.succeeded();
    }

    @Override
    public void failed(Throwable x) {
      release();
      callback.failed(x);
    }

    @Override
    public InvocationType getInvocationType() {
      return callback.getInvocationType();
    }
  }

  /** Closes the connection when the body has not arrived in full within {@code bodyTimeout}. */
  private final class BodyDeadline extends Request.Wrapper {
    private final AtomicBoolean done = new AtomicBoolean();
    private final Scheduler.Task timer;

    BodyDeadline(Request request) {
      super(request);
      timer = request.getComponents().getScheduler().schedule(this::expire, bodyTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public Content.Chunk read() {
      Content.Chunk chunk = super.read();
      if (chunk != null && (chunk.isLast() || Content.Chunk.isFailure(chunk))) {
        cancel();
      }
      return chunk;
    }

    void cancel() {
      if (done.compareAndSet(false, true)) {
        timer.cancel();
      }
    }

    private void expire() {
      if (done.compareAndSet(false, true)) {
        log.info("closing a connection whose request body did not arrive within {} ms ({} {})", bodyTimeout.toMillis(), getMethod(),
            getHttpURI().getPath());
        getConnectionMetaData().getConnection().getEndPoint().close(new TimeoutException("the request body did not arrive within "
            + bodyTimeout.toMillis() + " ms"));
      }
    }
  }
}
