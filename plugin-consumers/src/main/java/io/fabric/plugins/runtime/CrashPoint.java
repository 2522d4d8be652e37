package io.fabric.plugins.runtime;

import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.plugins.spi.TaskContext;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * TEST HOOK: lets a test crash a runtime in the window the fabric cannot close, after the plugin
 * call and before the commit. The runtime calls it after a plugin returned and the result records
 * were sent in the open transaction; when it throws, the runtime halts abruptly: no abort, no
 * commit, producer and consumer closed with zero timeout, as if the process died. Production code
 * leaves it at {@link #NONE}.
 *
 * <p>{@link #haltAfterCalls(String)} is the same window for a whole process, for fault injection
 * from outside (see {@link PluginRuntimeConfig#FAULT_HALT_AFTER_CALL}).
 */
@FunctionalInterface
public interface CrashPoint {
  CrashPoint NONE = (context, result) -> { };

  void beforeCommit(TaskContext context, Map<String, Object> result);

  /** What a hook throws to simulate a process crash. */
  final class SimulatedCrash extends RuntimeException {
    public SimulatedCrash(String message) {
      super(message);
    }
  }

  /**
   * FAULT INJECTION, NEVER SET IN PRODUCTION: a hook that halts the whole JVM
   * ({@code Runtime.halt(137)}, the exit status of a SIGKILL; no shutdown hooks, no flush, no
   * transaction abort) right after the n-th plugin call of a plugin returned and before its result
   * is committed, leaving an execution intent without a checkpoint: the in-doubt case a restarted
   * runtime must settle.
   *
   * @param spec {@code <plugin>:<n>[,<plugin>:<n>...]}, e.g. {@code stripe:20} or
   *             {@code stripe:20,whatsapp:5}; {@code <plugin>} is a plugin name (all its task types
   *             count) or a task type; the process halts at the first limit reached. Calls that
   *             returned a result count (executions and compensations), per plugin, from the start
   *             of the process.
   * @throws IllegalArgumentException for a malformed spec
   */
  static CrashPoint haltAfterCalls(String spec) {
    return new HaltAfterCalls(spec, HaltAfterCalls::discoveredTaskTypes, HaltAfterCalls::haltJvm);
  }

  /**
   * {@link #haltAfterCalls(String)} with its plugin lookup and its halt replaced, so the counting
   * can be tested without killing the test's JVM.
   *
   * @param taskTypes the task types of a plugin name, empty when no plugin has that name
   * @param halt what happens instead of {@code Runtime.halt} when a limit is reached; receives the
   *             line the hook logs
   */
  static CrashPoint haltAfterCalls(String spec, Function<String, Set<String>> taskTypes, Consumer<String> halt) {
    return new HaltAfterCalls(spec, taskTypes, halt);
  }

  /** See {@link CrashPoint#haltAfterCalls(String)}. */
  final class HaltAfterCalls implements CrashPoint {
    /** The exit status of a process killed by SIGKILL (128 + 9). */
    public static final int HALT_STATUS = 137;

    private final String spec;
    private final Map<String, Integer> limits = new LinkedHashMap<>();
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final Function<String, Set<String>> taskTypes;
    private final Consumer<String> halt;
    private volatile Map<String, Set<String>> matching;

    private HaltAfterCalls(String spec, Function<String, Set<String>> taskTypes, Consumer<String> halt) {
      this.spec = spec == null ? "" : spec.strip();
      this.taskTypes = taskTypes;
      this.halt = halt;
      for (String part : this.spec.split(",")) {
        String entry = part.strip();
        int colon = entry.lastIndexOf(':');
        if (entry.isEmpty() || colon <= 0 || colon == entry.length() - 1) {
          throw new IllegalArgumentException("fault injection spec must be <plugin>:<n>[,<plugin>:<n>...], got '" + spec + "'");
        }
        String name = entry.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        int limit;
        try {
          limit = Integer.parseInt(entry.substring(colon + 1).strip());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("fault injection spec '" + spec + "': '" + entry + "' needs a call count after ':'", e);
        }
        if (limit < 1) {
          throw new IllegalArgumentException("fault injection spec '" + spec + "': the call count must be at least 1");
        }
        limits.put(name, limit);
      }
    }

    @Override
    public void beforeCommit(TaskContext context, Map<String, Object> result) {
      for (Map.Entry<String, Set<String>> target : matching().entrySet()) {
        if (!target.getValue().contains(context.action())) {
          continue;
        }
        int call = calls.computeIfAbsent(target.getKey(), k -> new AtomicInteger()).incrementAndGet();
        if (call == limits.get(target.getKey())) {
          halt.accept("FAULT INJECTION (" + PluginRuntimeConfig.FAULT_HALT_AFTER_CALL + "=" + spec + "): halting the JVM after call "
              + call + " of " + target.getKey() + ", before its commit: action=" + context.action() + " request=" + context.requestId()
              + " flow=" + context.flowId() + " idempotency_key=" + context.idempotencyKey() + " attempt=" + context.attempt()
              + " in_doubt=" + context.inDoubt());
        }
      }
    }

    /** Each target of the spec with the task types it counts: the plugin's, or the name itself as a task type. */
    private Map<String, Set<String>> matching() {
      Map<String, Set<String>> resolved = matching;
      if (resolved == null) {
        resolved = new LinkedHashMap<>();
        for (String name : limits.keySet()) {
          Set<String> types = taskTypes.apply(name);
          resolved.put(name, types == null || types.isEmpty() ? Set.of(name) : Set.copyOf(types));
        }
        matching = resolved;
      }
      return resolved;
    }

    @Override
    public String toString() {
      return "halt-after-call " + spec;
    }

    private static Set<String> discoveredTaskTypes(String plugin) {
      return PluginRegistry.discover().byName(plugin).map(FabricPlugin::taskTypes).orElse(Set.of());
    }

    private static void haltJvm(String line) {
      PrintStream err = System.err;
      err.println(line);
      err.flush();
      System.out.flush();
      Runtime.getRuntime().halt(HALT_STATUS);
    }
  }
}
