package io.fabric.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuProfileTest {
  @Test
  void aCompilerThreadThatEndedDuringThePhaseNeverMakesItsJitCpuNegative() {
    // thread 11 ran 500 ms and ended (the JVM stops idle compiler threads); 12 went on; 13 was started meanwhile
    Map<Long, Long> before = Map.of(11L, 500_000_000L, 12L, 100_000_000L);
    Map<Long, Long> after = Map.of(12L, 160_000_000L, 13L, 30_000_000L);

    assertEquals(90_000_000L, CpuProfile.spentSince(before, after), "12's 60 ms and 13's 30 ms");
  }

  @Test
  void theJvmThreadsOfThisProcessAreReadPerThread() {
    CpuProfile.JvmThreads threads = CpuProfile.jvmThreadsCpu();
    if (threads != null) {
      assertTrue(threads.gc().values().stream().allMatch(cpu -> cpu >= 0), threads.toString());
      assertEquals(0, CpuProfile.spentSince(threads.jit(), threads.jit()));
    }
  }
}
