package io.fabric.policy.breakers;

import java.util.Optional;

/** The keys breakers are recorded under: {@code tenant:NAME} or {@code submitter:NAME}, and {@code reset:}+scope for a reset. */
public final class BreakerScopes {
  public static final String RESET_PREFIX = "reset:";

  private BreakerScopes() {}

  public static String key(BreakerRule.Scope scope, String who) {
    return scope.wireName() + ":" + who;
  }

  /** The scope key a reset record's key names, if it is one. */
  public static Optional<String> resetOf(String recordKey) {
    if (recordKey == null || !recordKey.startsWith(RESET_PREFIX)) {
      return Optional.empty();
    }
    String scope = recordKey.substring(RESET_PREFIX.length());
    return isScopeKey(scope) ? Optional.of(scope) : Optional.empty();
  }

  public static String resetKey(String scopeKey) {
    return RESET_PREFIX + scopeKey;
  }

  public static boolean isScopeKey(String key) {
    if (key == null) {
      return false;
    }
    int colon = key.indexOf(':');
    return colon > 0 && colon < key.length() - 1 && BreakerRule.Scope.of(key.substring(0, colon)).isPresent();
  }
}
