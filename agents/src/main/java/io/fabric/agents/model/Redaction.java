package io.fabric.agents.model;

import java.util.Collection;

/** Keeps API keys out of anything that is logged, stored or shown: every occurrence of a secret becomes {@code ***}, as in the vendor plugins. */
public final class Redaction {
  public static final String REDACTED = "***";

  private Redaction() {}

  public static String redact(String text, Collection<String> secrets) {
    if (text == null) {
      return null;
    }
    String out = text;
    for (String secret : secrets) {
      if (secret != null && secret.length() >= 4) {
        out = out.replace(secret, REDACTED);
      }
    }
    return out;
  }
}
