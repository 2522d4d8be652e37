package io.fabric.plugins.vendors;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.schemas.records.DeadLetters;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;

/** Shared fixtures of the vendor plugin tests. */
final class VendorTesting {
  static final String TENANT = "acme";
  static final String FLOW = "flow-7";
  static final String REQUEST = "req-7";
  static final String KEY = "idem-7f3a";

  private VendorTesting() {}

  /** {@code plugin}'s configuration of a test: its usual {@code keys}, with a test's {@code overrides} on top. */
  static VendorConfig config(String plugin, Map<String, String> keys, Map<String, String> overrides) {
    Map<String, String> merged = new HashMap<>(keys);
    merged.putAll(overrides);
    return VendorConfig.ofKeys(plugin, merged);
  }

  static TaskContext context(String action) {
    return context(action, KEY, 1, false);
  }

  static TaskContext context(String action, String key, int attempt, boolean inDoubt) {
    return new TaskContext(FLOW, REQUEST, key, action, attempt, inDoubt, Map.of(), null, null, 0);
  }

  /** What the runtime would write of a failure (its message chain) or a result (its JSON): never the secret. */
  static void assertNoSecret(String secret, Object resultOrError) {
    String written;
    if (resultOrError instanceof Throwable error) {
      written = DeadLetters.describe(error);
    } else {
      try {
        written = VendorHttp.JSON.writeValueAsString(resultOrError);
      } catch (JsonProcessingException e) {
        throw new AssertionError(e);
      }
    }
    assertFalse(written.contains(secret), "secret leaked into: " + written);
  }

  /** A loopback port nothing listens on. */
  static int closedPort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
