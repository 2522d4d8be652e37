package io.fabric.policy.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fabric.schemas.records.Outcome;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlotReleaseTest {
  /** Every outcome, and whether a released request's status with it frees its slots: a new outcome fails here until classified. */
  private static final Map<Outcome, Boolean> FREES = Map.of(
      Outcome.ROUTED, false,
      Outcome.EXECUTED, true,
      Outcome.PENDING_APPROVAL, false,
      Outcome.BLOCKED, true,
      Outcome.DEAD_LETTER, true,
      Outcome.DUPLICATE, true,
      Outcome.HELD, false);

  @Test
  void everyOutcomeIsClassified() {
    assertEquals(EnumSet.allOf(Outcome.class), EnumSet.copyOf(FREES.keySet()), "classify the new outcome here and in SlotRelease");
    for (Outcome outcome : Outcome.values()) {
      assertEquals(FREES.get(outcome), SlotRelease.frees(outcome), outcome.name());
      assertEquals(FREES.get(outcome), SlotRelease.frees(outcome.name()), outcome.name());
    }
  }

  @Test
  void everyTerminalOutcomeFreesASlotAndNoOtherDoes() {
    for (Outcome outcome : Outcome.values()) {
      assertEquals(outcome.terminal(), SlotRelease.frees(outcome), outcome + ": a request that ends must give its slot back");
    }
  }

  @Test
  void anOutcomeThisVersionDoesNotKnowFreesNothingAndLeavesTheSlotToItsLease() {
    assertFalse(SlotRelease.frees("CANCELLED"));
    assertFalse(SlotRelease.frees((String) null));
  }
}
