package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PollBudgetTest {
  private static final long MS = 1_000_000L;

  @Test
  void theBudgetKeepsATenthAndAHeartbeatOfThePollInterval() {
    assertEquals(Duration.ofSeconds(267), PollBudget.budget(Duration.ofMinutes(5), Duration.ofSeconds(3)));
    assertEquals(Duration.ZERO, PollBudget.budget(Duration.ofSeconds(3), Duration.ofSeconds(3)), "no budget: one task per poll");
  }

  @Test
  void aTaskStartsOnlyIfTheWorstCaseStillEndsWithinTheBudget() {
    PollBudget budget = new PollBudget(Duration.ofSeconds(10), Duration.ofSeconds(2));
    budget.polled(0);
    assertTrue(budget.mayStart(0));
    budget.taskRan(0, 100 * MS);
    assertTrue(budget.mayStart(8_000 * MS), "8 s + a 2 s worst case fit 10 s");
    assertFalse(budget.mayStart(8_001 * MS));
  }

  @Test
  void aSlowerRecentTaskRaisesTheEstimateAboveTheConfiguredWorstCase() {
    PollBudget budget = new PollBudget(Duration.ofSeconds(10), Duration.ofSeconds(1));
    budget.polled(0);
    budget.taskRan(0, 4_000 * MS);
    assertEquals(4_000 * MS, budget.estimateNanos());
    assertTrue(budget.mayStart(6_000 * MS));
    assertFalse(budget.mayStart(6_001 * MS), "a 4 s task seen recently: not after 6 s");
    for (int i = 0; i < PollBudget.RECENT_TASKS; i++) {
      budget.taskRan(0, 10 * MS);
    }
    assertEquals(1_000 * MS, budget.estimateNanos(), "the slow task is no longer recent; the configured worst case stays");
  }

  @Test
  void theFirstTaskOfEveryPollStartsEvenWhenItCannotFit() {
    PollBudget budget = new PollBudget(Duration.ZERO, Duration.ofSeconds(20));
    assertTrue(budget.worstCaseFillsTheBudget());
    budget.polled(5 * MS);
    assertTrue(budget.mayStart(5 * MS));
    budget.taskRan(5 * MS, 20_000 * MS);
    assertFalse(budget.mayStart(20_000 * MS));
    budget.polled(20_001 * MS);
    assertTrue(budget.mayStart(20_001 * MS), "a new poll: progress again");
  }

  @Test
  void pollRecordsAreCappedAtWhatTheBudgetFitsUnlessThePluginHasNoSideEffects() {
    Duration budget = PollBudget.budget(Duration.ofMinutes(5), Duration.ofSeconds(3));
    assertEquals(13, PollBudget.maxPollRecords(50, budget, Duration.ofSeconds(20), false), "267 s / 20 s");
    assertEquals(50, PollBudget.maxPollRecords(50, budget, Duration.ofSeconds(20), true));
    assertEquals(10, PollBudget.maxPollRecords(10, budget, Duration.ofSeconds(1), false), "never above the configured value");
    assertEquals(1, PollBudget.maxPollRecords(50, Duration.ZERO, Duration.ofSeconds(20), false));
    assertEquals(50, PollBudget.maxPollRecords(50, budget, Duration.ZERO, false), "no worst case configured: nothing to cap by");
  }
}
