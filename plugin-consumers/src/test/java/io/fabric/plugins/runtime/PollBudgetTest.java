package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PollBudgetTest {
  private static final Duration HEARTBEAT = Duration.ofSeconds(3);

  @Test
  void theBudgetIsThePollIntervalLessATenthAndAHeartbeat() {
    assertEquals(Duration.ofSeconds(267), PollBudget.budget(Duration.ofMinutes(5), HEARTBEAT));
    assertEquals(Duration.ZERO, PollBudget.budget(Duration.ofSeconds(2), HEARTBEAT), "never negative");
  }

  @Test
  void aPollFetchesNoMoreTasksThanWorstCaseCallsFitTheBudget() {
    Duration budget = PollBudget.budget(Duration.ofMinutes(5), HEARTBEAT);
    // 50 tasks x a 40 s vendor call (two requests of 5 s connect + 15 s timeout) would take 33 minutes
    assertEquals(6, PollBudget.maxPollRecords(50, budget, Duration.ofSeconds(40)));
    assertTrue(6 * 40 < budget.toSeconds(), "six of them fit");
    assertEquals(50, PollBudget.maxPollRecords(50, budget, Duration.ofSeconds(2)), "fast plugins keep the configured batch");
    assertEquals(1, PollBudget.maxPollRecords(50, budget, Duration.ofMinutes(10)), "always at least one");
    assertEquals(1, PollBudget.maxPollRecords(50, Duration.ZERO, Duration.ofSeconds(1)), "always at least one");
  }

  @Test
  void aWorstCaseLongerThanTheBudgetIsFlagged() {
    Duration budget = PollBudget.budget(Duration.ofMinutes(5), HEARTBEAT);
    assertTrue(PollBudget.worstCaseExceedsBudget(budget, Duration.ofMinutes(5)));
    assertFalse(PollBudget.worstCaseExceedsBudget(budget, Duration.ofSeconds(40)));
  }
}
