package io.fabric.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How one gateway instance vouches to another for a status read it forwards, without handing over the
 * caller's credential. The host a read is forwarded to comes from Kafka Streams' metadata, which any
 * member of the status group can steer, so the forwarded request carries no API key: it carries
 * {@value #HEADER}, an HMAC-SHA256 under a secret every instance shares (fabric run
 * {@code --gateway-peer-secret FILE}) over the method, the path with its query, the caller's name and
 * tenants, and the time. The receiving instance answers for exactly those tenants, and signs its answer
 * ({@value #ANSWER_HEADER}, bound to the request's signature) so the forwarding instance can tell a
 * fabric gateway's answer from a forged one.
 *
 * <p>A signed header can be replayed for the same read within {@link #MAX_SKEW}; it only ever gets the
 * answer the caller was entitled to, for that one path.
 */
public final class PeerAuthentication {
  /** The inter-instance credential of a forwarded read. */
  public static final String HEADER = "Fabric-Peer";
  /** The receiving instance's signature over its answer to a forwarded read. */
  public static final String ANSWER_HEADER = "Fabric-Peer-Answer";
  /** How far a forwarded read's time may be from the receiver's clock, either way. */
  public static final Duration MAX_SKEW = Duration.ofSeconds(30);
  /** Shorter secrets are refused: the HMAC is only as strong as what the instances share. */
  public static final int MIN_SECRET_BYTES = 32;

  // distinct labels, so a request's signature never passes for an answer's or the other way round
  private static final String REQUEST_LABEL = "fabric-peer-read-v1\n";
  private static final String ANSWER_LABEL = "fabric-peer-answer-v1\n";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final SecretKeySpec key;

  private PeerAuthentication(byte[] secret) {
    if (secret.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException("the gateway peer secret has " + secret.length + " bytes; it needs at least " + MIN_SECRET_BYTES
          + " (openssl rand -base64 48)");
    }
    this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
  }

  public static PeerAuthentication of(byte[] secret) {
    return new PeerAuthentication(secret);
  }

  /**
   * The secret is the file's text without surrounding whitespace (so a trailing newline does not matter): one
   * word such as {@code openssl rand -base64 48} prints. Text with spaces or lines (a manifest's placeholder
   * comment) is refused, so an instance never runs with a secret everyone can read in the manifests.
   */
  public static PeerAuthentication load(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (text.startsWith("#") || text.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("the gateway peer secret must be one word without spaces (openssl rand -base64 48), "
            + "not a placeholder");
      }
      return of(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the gateway peer secret " + file + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** The {@value #HEADER} value for a read of {@code pathAndQuery} forwarded on behalf of {@code caller}. */
  public String sign(String method, String pathAndQuery, Caller caller, long nowMillis) {
    ObjectNode claims = JSON.createObjectNode();
    claims.put("method", method);
    claims.put("path", pathAndQuery);
    claims.put("caller", caller.name());
    caller.tenants().stream().sorted().forEach(claims.putArray("tenants")::add);
    claims.put("issued_at", nowMillis);
    String payload;
    try {
      payload = B64.encodeToString(JSON.writeValueAsBytes(claims));
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the peer claims", e);
    }
    return payload + "." + B64.encodeToString(mac(REQUEST_LABEL + payload));
  }

  /** Who a forwarded read is for, or why the header is refused. */
  public record Verdict(Optional<Caller> caller, String problem) {
    static Verdict refused(String problem) {
      return new Verdict(Optional.empty(), problem);
    }
  }

  /** Checks a {@value #HEADER} value against the request it arrived on. */
  public Verdict verify(String header, String method, String pathAndQuery, long nowMillis) {
    if (header == null || header.isBlank()) {
      return Verdict.refused("no " + HEADER + " credential");
    }
    int dot = header.indexOf('.');
    if (dot <= 0 || dot != header.lastIndexOf('.')) {
      return Verdict.refused("malformed " + HEADER + " credential");
    }
    String payload = header.substring(0, dot);
    byte[] presented;
    try {
      presented = Base64.getUrlDecoder().decode(header.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      return Verdict.refused("malformed " + HEADER + " signature");
    }
    // the signature first: nothing in an unsigned payload is worth parsing
    if (!MessageDigest.isEqual(presented, mac(REQUEST_LABEL + payload))) {
      return Verdict.refused("bad " + HEADER + " signature (is --gateway-peer-secret the same on every instance?)");
    }
    JsonNode claims;
    try {
      claims = JSON.readTree(Base64.getUrlDecoder().decode(payload));
    } catch (IOException | IllegalArgumentException e) {
      return Verdict.refused("malformed " + HEADER + " claims");
    }
    if (!method.equals(claims.path("method").asText()) || !pathAndQuery.equals(claims.path("path").asText())) {
      return Verdict.refused(HEADER + " was signed for another request");
    }
    long issuedAt = claims.path("issued_at").asLong(Long.MIN_VALUE);
    if (!claims.path("issued_at").isIntegralNumber() || Math.abs(nowMillis - issuedAt) > MAX_SKEW.toMillis()) {
      return Verdict.refused(HEADER + " is stale or from the future (clocks more than " + MAX_SKEW.toSeconds() + " s apart?)");
    }
    String name = claims.path("caller").asText("");
    Set<String> tenants = new LinkedHashSet<>();
    claims.path("tenants").forEach(t -> tenants.add(t.asText("")));
    if (name.isBlank() || tenants.isEmpty() || tenants.stream().anyMatch(String::isBlank)) {
      return Verdict.refused(HEADER + " names no caller or no tenant");
    }
    return new Verdict(Optional.of(new Caller(name, tenants)), "");
  }

  /** The {@value #ANSWER_HEADER} value for an answer to the read that carried {@code requestHeader}. */
  public String signAnswer(String requestHeader, int status, byte[] body) {
    return B64.encodeToString(mac(ANSWER_LABEL + requestHeader + "\n" + status + "\n" + B64.encodeToString(sha256(body))));
  }

  /** Whether {@code answerHeader} is a peer's signature over this answer to the read that carried {@code requestHeader}. */
  public boolean answerIsSigned(String requestHeader, int status, byte[] body, String answerHeader) {
    if (answerHeader == null) {
      return false;
    }
    byte[] presented;
    try {
      presented = Base64.getUrlDecoder().decode(answerHeader.strip());
    } catch (IllegalArgumentException e) {
      return false;
    }
    byte[] expected = Base64.getUrlDecoder().decode(signAnswer(requestHeader, status, body));
    return MessageDigest.isEqual(presented, expected);
  }

  private byte[] mac(String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }

  private static byte[] sha256(byte[] body) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(body);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  @Override
  public String toString() {
    return "PeerAuthentication[secret hidden]";
  }
}
