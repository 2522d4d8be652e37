package io.fabric.cli.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.plugins.runtime.CrashPoint;
import io.fabric.plugins.runtime.PluginRuntimeConfig;
import io.fabric.plugins.spi.TaskContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The fault-injection hook's counting, with the JVM halt replaced by a list of what it would have logged. */
class HaltAfterCallsTest {
  private final List<String> halts = new ArrayList<>();

  private CrashPoint hook(String spec) {
    return CrashPoint.haltAfterCalls(spec, plugin -> plugin.equals("stripe") ? Set.of("create_charge", "change_billing_state") : Set.of(),
        halts::add);
  }

  private static TaskContext call(String action, String requestId) {
    return new TaskContext("flow-" + requestId, requestId, "key-" + requestId, action, 1, false, Map.of(), null);
  }

  @Test
  void haltsRightAfterTheNthCallOfThePluginAndNamesTheRequest() {
    CrashPoint hook = hook("stripe:3");

    hook.beforeCommit(call("create_charge", "r1"), Map.of());
    hook.beforeCommit(call("summarize", "r2"), Map.of());
    hook.beforeCommit(call("change_billing_state", "r3"), Map.of());
    assertEquals(List.of(), halts);
    hook.beforeCommit(call("create_charge", "r4"), Map.of());

    assertEquals(1, halts.size());
    assertTrue(halts.get(0).contains("call 3 of stripe") && halts.get(0).contains("request=r4")
        && halts.get(0).contains("idempotency_key=key-r4"), halts.get(0));
  }

  @Test
  void severalTargetsEachCountTheirOwnCallsAndANameThatIsNoPluginIsATaskType() {
    CrashPoint hook = hook("stripe:2, send_whatsapp:1");

    hook.beforeCommit(call("create_charge", "r1"), Map.of());
    hook.beforeCommit(call("send_whatsapp", "r2"), Map.of());

    assertEquals(1, halts.size());
    assertTrue(halts.get(0).contains("call 1 of send_whatsapp"), halts.get(0));
  }

  @Test
  void malformedSpecsAreRefused() {
    for (String spec : List.of("", "stripe", "stripe:", ":3", "stripe:0", "stripe:x")) {
      assertThrows(IllegalArgumentException.class, () -> hook(spec), spec);
    }
  }

  @Test
  void theConfigKeyInstallsTheHookAndItsAbsenceLeavesNone() {
    assertSame(CrashPoint.NONE, PluginRuntimeConfig.from(Map.of()).crashPoint());
    CrashPoint hook = PluginRuntimeConfig.from(Map.of(PluginRuntimeConfig.FAULT_HALT_AFTER_CALL, "stripe:5")).crashPoint();
    assertEquals("halt-after-call stripe:5", hook.toString());
  }
}
