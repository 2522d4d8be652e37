package io.fabric.plugins.runtime;

import java.time.Duration;

/**
 * How many tasks one poll may fetch, so that the runtime always polls again within
 * {@code max.poll.interval.ms}: a consumer that does not is dropped from its group mid-batch, its
 * finished but uncommitted tasks are settled as in doubt by the next owner, and a task that is still
 * running may be called again there. A poll fetches no more tasks than calls of the plugin's worst
 * case fit the budget: the interval less a tenth kept for the commit and the poll, and less one
 * heartbeat interval. A group rebalances when another instance joins; this one learns it from its
 * next heartbeat and rejoins at its next poll, and the group waits for that no longer than the poll
 * interval (the rebalance timeout): a rebalance that begins just after a poll must still find this
 * instance back in time. The bound holds by construction, with no seek or pause mid-batch, for calls
 * within their declared worst case ({@link io.fabric.plugins.spi.FabricPlugin#worstCaseCall()}),
 * which the vendor plugins' own timeouts enforce. Kafka-free.
 */
final class PollBudget {
  private PollBudget() {}

  /** The part of the poll interval that a poll's tasks may use (zero when there is none: one task per poll). */
  static Duration budget(Duration maxPollInterval, Duration heartbeatInterval) {
    Duration budget = maxPollInterval.minus(maxPollInterval.dividedBy(10)).minus(heartbeatInterval);
    return budget.isNegative() ? Duration.ZERO : budget;
  }

  /**
   * The {@code max.poll.records} to give the consumer: the configured value, capped at the calls of
   * the worst-case length that fit the budget, and at least one (a runtime always makes progress; a
   * worst case longer than the whole budget is warned about at start).
   */
  static int maxPollRecords(int configured, Duration budget, Duration worstCaseCall) {
    long fit = Math.max(1, budget.toNanos() / Math.max(1, worstCaseCall.toNanos()));
    return (int) Math.min(configured, fit);
  }

  /** Whether one call of the worst case already uses the whole budget: the bound cannot hold even for one task. */
  static boolean worstCaseExceedsBudget(Duration budget, Duration worstCaseCall) {
    return worstCaseCall.compareTo(budget) > 0;
  }
}
