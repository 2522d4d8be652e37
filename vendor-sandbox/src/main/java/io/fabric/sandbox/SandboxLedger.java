package io.fabric.sandbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Every call the sandbox answered and every effect it made, for {@link VendorSandbox#calls()} and {@link VendorSandbox#effects}. */
final class SandboxLedger {
  private final List<VendorSandbox.Call> calls = new ArrayList<>();
  private final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();

  synchronized void call(VendorSandbox.Call call) {
    calls.add(call);
  }

  synchronized List<VendorSandbox.Call> calls() {
    return List.copyOf(calls);
  }

  void effect(String kind) {
    effects.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
  }

  int effects(String kind) {
    AtomicInteger count = effects.get(kind);
    return count == null ? 0 : count.get();
  }
}
