package io.fabric.schemas.streams;

import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Lifecycle of one Streams deployable: start, wait until running, close cleanly. */
public final class StreamsApp implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StreamsApp.class);

  private final String name;
  private final Topology topology;
  private final KafkaStreams streams;
  private final CountDownLatch running = new CountDownLatch(1);
  /** Store partitions of active tasks being restored from their changelogs right now. */
  private final Set<String> restoring = ConcurrentHashMap.newKeySet();

  public StreamsApp(String name, Topology topology, Properties props) {
    this.name = name;
    this.topology = topology;
    this.streams = new KafkaStreams(topology, props);
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.RUNNING) {
        running.countDown();
      }
      if (now == KafkaStreams.State.ERROR) {
        log.error("{} stopped with an error; see the log above", name);
      }
    });
    streams.setGlobalStateRestoreListener(new StateRestoreListener() {
      @Override
      public void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
        restoring.add(store + "@" + partition);
      }

      @Override
      public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
      }

      @Override
      public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
        restoring.remove(store + "@" + partition);
      }

      @Override
      public void onRestoreSuspended(TopicPartition partition, String store, long totalRestored) {
        restoring.remove(store + "@" + partition);
      }
    });
    // A thread that dies on an unexpected error is replaced: under exactly_once_v2 its uncommitted work is redone, not lost.
    streams.setUncaughtExceptionHandler(e -> {
      log.error("{}: stream thread failed, replacing it", name, e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
  }

  public String name() {
    return name;
  }

  public Topology topology() {
    return topology;
  }

  public KafkaStreams streams() {
    return streams;
  }

  public StreamsApp start() {
    streams.start();
    return this;
  }

  /** Starts and waits until the app has its partitions; fails if it is not running in time. */
  public StreamsApp startAndAwait(Duration timeout) {
    start();
    try {
      if (!running.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(name + " did not reach RUNNING within " + timeout + " (state " + streams.state() + ")");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting " + name, e);
    }
    return this;
  }

  public boolean isRunning() {
    return streams.state() == KafkaStreams.State.RUNNING || streams.state() == KafkaStreams.State.REBALANCING;
  }

  /**
   * Ready to serve: RUNNING (every thread has its assignment; not REBALANCING) and no active store
   * still restoring from its changelog.
   */
  public boolean caughtUp() {
    return ready(streams.state(), restoring.size());
  }

  /** The readiness rule on its own, for tests: RUNNING and nothing restoring. */
  public static boolean ready(KafkaStreams.State state, int storesRestoring) {
    return state == KafkaStreams.State.RUNNING && storesRestoring == 0;
  }

  /** Store partitions restoring now, as {@code store@topic-partition}. */
  public Set<String> restoring() {
    return Set.copyOf(restoring);
  }

  /**
   * Leaves the consumer group on close: members are not static, so a restarted app joins as a new
   * member and would otherwise wait out the old member's session timeout before it gets partitions.
   */
  @Override
  public void close() {
    if (!streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
        .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP))) {
      log.warn("{} did not close within 30 s", name);
    }
  }
}
