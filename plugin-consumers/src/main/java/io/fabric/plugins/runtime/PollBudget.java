package io.fabric.plugins.runtime;

import java.time.Duration;

/**
 * How many of a poll's tasks the runtime may start before it must poll again: a consumer that does
 * not poll within {@code max.poll.interval.ms} is dropped from its group mid-batch, its finished but
 * uncommitted tasks are then settled as in doubt by the next owner. A task starts only while the
 * time since the poll plus the longest a task may take (the configured worst case, or the slowest
 * of the recent tasks if that was slower) stays within the budget: the interval less a tenth kept
 * for the commit and the poll, and less one heartbeat interval. A group rebalances when another
 * instance joins; this one learns it from its next heartbeat and rejoins at its next poll, and the
 * group waits for that no longer than the poll interval (the rebalance timeout): a rebalance that
 * begins just after a poll, unnoticed by the following one, must still find this instance back in
 * time. The first task of a poll always starts, so a runtime always makes progress.
 * Kafka-free: the times are {@link System#nanoTime()} readings passed in.
 */
final class PollBudget {
  /** How many recent task durations the estimate looks at. */
  static final int RECENT_TASKS = 64;

  private final long budgetNanos;
  private final long worstCaseNanos;
  private final long[] recent = new long[RECENT_TASKS];
  private int next;
  private long polledAt;
  private int started;

  /** @param budget what {@link #budget} returns for the consumer's settings */
  PollBudget(Duration budget, Duration worstCaseTask) {
    this.budgetNanos = budget.toNanos();
    this.worstCaseNanos = worstCaseTask.toNanos();
  }

  /** The part of the poll interval that a poll's tasks may use (zero when there is none: one task per poll). */
  static Duration budget(Duration maxPollInterval, Duration heartbeatInterval) {
    Duration budget = maxPollInterval.minus(maxPollInterval.dividedBy(10)).minus(heartbeatInterval);
    return budget.isNegative() ? Duration.ZERO : budget;
  }

  /**
   * The {@code max.poll.records} to give the consumer: the configured value, capped at the tasks of
   * the worst-case length that fit the budget (at least one), so a poll fetches no more than it can
   * start. A plugin without side effects is not capped: it writes no intent per task, so sharing
   * one transaction among a whole poll is its throughput, and the time budget still bounds its polls.
   */
  static int maxPollRecords(int configured, Duration budget, Duration worstCaseTask, boolean sideEffectFree) {
    if (sideEffectFree || worstCaseTask.isZero()) {
      return configured;
    }
    long fit = Math.max(1, budget.toNanos() / worstCaseTask.toNanos());
    return (int) Math.min(configured, fit);
  }

  /** A poll returned records at {@code now}: the clock starts again. */
  void polled(long now) {
    polledAt = now;
    started = 0;
  }

  /** Whether a task may start at {@code now} and still leave time to commit and poll again before the interval runs out. */
  boolean mayStart(long now) {
    return started == 0 || (now - polledAt) + estimateNanos() <= budgetNanos;
  }

  /** How many tasks ran since the last poll. */
  int started() {
    return started;
  }

  /** A task started at {@code start} finished at {@code end}. */
  void taskRan(long start, long end) {
    started++;
    recent[next] = end - start;
    next = (next + 1) % RECENT_TASKS;
  }

  /** The longest a task is expected to take: the configured worst case or the slowest recent task. */
  long estimateNanos() {
    long slowest = worstCaseNanos;
    for (long took : recent) {
      slowest = Math.max(slowest, took);
    }
    return slowest;
  }

  /** Whether a single task of the configured worst case already uses the whole budget (one task per poll). */
  boolean worstCaseFillsTheBudget() {
    return worstCaseNanos >= budgetNanos;
  }
}
