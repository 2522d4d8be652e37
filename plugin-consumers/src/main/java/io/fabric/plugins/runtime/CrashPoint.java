package io.fabric.plugins.runtime;

import io.fabric.plugins.spi.TaskContext;
import java.util.Map;

/**
 * TEST HOOK: lets a test crash a runtime in the window the fabric cannot close, after the plugin
 * call and before the commit. The runtime calls it after a plugin returned and the result records
 * were sent in the open transaction; when it throws, the runtime halts abruptly: no abort, no
 * commit, producer and consumer closed with zero timeout, as if the process died. Production code
 * leaves it at {@link #NONE}.
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
}
