package io.fabric.gateway.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The API keys the HTTP gateway accepts, stored as SHA-256 digests only (a leaked file gives no
 * key), each bound to the name of its holder and the tenants it may act for. The file
 * ({@code fabric run --api-keys FILE}) looks like:
 * <pre>
 * keys:
 *   - sha256: 3b0c...   # fabric keys generate --api-key NAME --tenants acme prints it
 *     name: acme-billing
 *     tenants: [acme]
 * </pre>
 * The keys are long random strings, so an unsalted digest is enough: there is nothing to guess.
 */
public final class ApiKeys {
  /** Prefix of every generated key, so one pasted into a log or a ticket is easy to spot and revoke. */
  public static final String PREFIX = "fgw_";

  private final Map<String, Caller> byDigest;

  private ApiKeys(Map<String, Caller> byDigest) {
    this.byDigest = Map.copyOf(byDigest);
  }

  public static ApiKeys of(Map<String, Caller> byDigest) {
    return new ApiKeys(byDigest);
  }

  public static ApiKeys none() {
    return new ApiKeys(Map.of());
  }

  public boolean isEmpty() {
    return byDigest.isEmpty();
  }

  /**
   * @throws IllegalArgumentException naming the entry that is wrong, so {@code fabric run} fails
   *     before it serves anything
   */
  public static ApiKeys load(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY).readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read API keys " + file + ": " + e.getMessage(), e);
    }
    if (root == null || !root.path("keys").isArray()) {
      throw new IllegalArgumentException(file + ": expected a list under 'keys'");
    }
    Map<String, Caller> byDigest = new HashMap<>();
    int i = 0;
    for (JsonNode entry : root.path("keys")) {
      String where = file + ": keys[" + i++ + "]";
      String digest = entry.path("sha256").asText("").toLowerCase(java.util.Locale.ROOT);
      String name = entry.path("name").asText("");
      if (!digest.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException(where + ": sha256 must be 64 hex digits");
      }
      if (name.isBlank()) {
        throw new IllegalArgumentException(where + ": name is missing");
      }
      Set<String> tenants = new LinkedHashSet<>();
      entry.path("tenants").forEach(t -> tenants.add(t.asText()));
      if (tenants.isEmpty() || tenants.stream().anyMatch(String::isBlank)) {
        throw new IllegalArgumentException(where + ": tenants must list at least one tenant (or \"*\")");
      }
      if (byDigest.put(digest, new Caller(name, tenants)) != null) {
        throw new IllegalArgumentException(where + ": the same key is listed twice");
      }
    }
    return new ApiKeys(byDigest);
  }

  /** The holder of {@code presentedKey}, if it is one of ours. */
  public Optional<Caller> find(String presentedKey) {
    if (presentedKey == null || presentedKey.isBlank()) {
      return Optional.empty();
    }
    return Optional.ofNullable(byDigest.get(sha256Hex(presentedKey.strip())));
  }

  /** The digest that identifies {@code presentedKey} (the key itself never leaves this class), if it is one of ours. */
  public Optional<String> knownDigest(String presentedKey) {
    if (presentedKey == null || presentedKey.isBlank()) {
      return Optional.empty();
    }
    String digest = sha256Hex(presentedKey.strip());
    return byDigest.containsKey(digest) ? Optional.of(digest) : Optional.empty();
  }

  /** A new key: 32 random bytes, URL-safe. Shown once; only its digest is stored. */
  public static String newKey() {
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  public static String sha256Hex(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** The YAML entry for a key, as {@code fabric keys generate --api-key} prints it. */
  public static String entry(String name, Set<String> tenants, String key) {
    return "  - { sha256: " + sha256Hex(key) + ", name: " + name + ", tenants: [" + String.join(", ", tenants.stream()
        .map(t -> "\"" + t + "\"").toList()) + "] }";
  }
}
