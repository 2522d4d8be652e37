package io.fabric.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.cli.bench.RequestMix.Kind;
import io.fabric.policy.ActionClass;
import io.fabric.policy.Policy;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BenchRequestMixTest {
  @Test
  void everyCycleOfTheMixHasExactlyTheAskedSharesInterleaved() {
    RequestMix mix = RequestMix.parse("A=70,B=20,C=5,unknown=5");

    for (int cycle = 0; cycle < 3; cycle++) {
      Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
      for (long seq = cycle * 100L; seq < (cycle + 1) * 100L; seq++) {
        counts.merge(mix.kindOf(seq), 1, Integer::sum);
      }
      assertEquals(Map.of(Kind.A, 70, Kind.B, 20, Kind.C, 5, Kind.UNKNOWN, 5), counts);
    }
    Set<Kind> firstFive = new HashSet<>();
    for (long seq = 0; seq < 5; seq++) {
      firstFive.add(mix.kindOf(seq));
    }
    assertTrue(firstFive.size() > 1, "kinds are interleaved, not sent in runs");
    assertEquals(0.25, mix.approvedShare(), 1e-9);
  }

  @Test
  void actionsMatchTheirKindUnderTheSeedPolicyAndRotate() {
    RequestMix mix = RequestMix.parse("a=1,b=1,c=1,UNKNOWN=1");
    Policy policy = Policy.defaults();
    Set<String> seen = new HashSet<>();

    for (long seq = 0; seq < 400; seq++) {
      String action = mix.actionOf(seq);
      seen.add(action);
      ActionClass expected = switch (mix.kindOf(seq)) {
        case A -> ActionClass.A;
        case B, UNKNOWN -> ActionClass.B;
        case C -> ActionClass.C;
      };
      assertEquals(expected, policy.classify("acme", action).actionClass(), action);
    }
    assertEquals(Policy.SEED_CLASS_A.size() + Policy.SEED_CLASS_B.size() + Policy.SEED_CLASS_C.size() + RequestMix.UNKNOWN_ACTIONS.size(),
        seen.size());
  }

  @Test
  void onlyActionsThatShouldExecuteAreDeclaredForThePlugin() {
    Set<String> executable = RequestMix.parse("A=1,C=1").executableActions();

    assertTrue(executable.containsAll(Policy.SEED_CLASS_A));
    assertFalse(executable.stream().anyMatch(Policy.SEED_CLASS_C::contains));
    assertFalse(executable.stream().anyMatch(Policy.SEED_CLASS_B::contains));
  }

  @Test
  void badMixesAreRefusedWithTheReason() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RequestMix.parse("A=70,X=30")).getMessage().contains("unknown kind"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RequestMix.parse("A=-1")).getMessage().contains("negative"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RequestMix.parse("A=0,B=0")).getMessage().contains("add up to 0"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RequestMix.parse("A=1,a=2")).getMessage().contains("twice"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RequestMix.parse("A70")).getMessage().contains("KIND=WEIGHT"));
  }
}
