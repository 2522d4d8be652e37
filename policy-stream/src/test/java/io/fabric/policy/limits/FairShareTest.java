package io.fabric.policy.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FairShareTest {
  private static ArrayDeque<String> queue(String... tasks) {
    return new ArrayDeque<>(List.of(tasks));
  }

  @Test
  void aLongBacklogGetsOneStartPerTurnLikeEveryOtherTenant() {
    Map<String, ArrayDeque<String>> waiting = Map.of("flood-co", queue("f1", "f2", "f3", "f4"), "calm-co", queue("c1"), "mid-co", queue("m1", "m2"));

    assertEquals(List.of("c1", "f1", "m1", "f2", "m2", "f3", "f4"), FairShare.order(waiting, null));
  }

  @Test
  void theNextTurnStartsAfterTheTenantServedLast() {
    Map<String, ArrayDeque<String>> waiting = Map.of("a", queue("a1", "a2"), "b", queue("b1"), "c", queue("c1"));

    assertEquals(List.of("c1", "a1", "b1", "a2"), FairShare.order(waiting, "b"));
    assertEquals(List.of("a1", "b1", "c1", "a2"), FairShare.order(waiting, "c"));
    assertEquals(List.of("b1", "c1", "a1", "a2"), FairShare.order(waiting, "a"));
    assertEquals(List.of("c1", "a1", "b1", "a2"), FairShare.order(waiting, "bb"), "a tenant no longer waiting still marks the turn");
  }
}
