package io.fabric.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerAuthenticationTest {
  private static final long NOW = 1_764_000_000_000L;
  private static final PeerAuthentication PEERS = PeerAuthentication.of(secret('a'));
  private static final Caller ACME = new Caller("acme-billing", Set.of("acme"));

  private static byte[] secret(char fill) {
    return String.valueOf(fill).repeat(40).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aSignedReadNamesTheCallerAndTheirTenantsOnly() {
    String header = PEERS.sign("GET", "/v1/requests/r1", new Caller("ops", Set.of("acme", "globex")), NOW);

    PeerAuthentication.Verdict verdict = PEERS.verify(header, "GET", "/v1/requests/r1", NOW + 1_000);

    assertEquals(new Caller("ops", Set.of("acme", "globex")), verdict.caller().orElseThrow(), verdict.problem());
  }

  @Test
  void anotherSecretsSignatureIsRefused() {
    String forged = PeerAuthentication.of(secret('b')).sign("GET", "/v1/requests/r1", ACME, NOW);

    PeerAuthentication.Verdict verdict = PEERS.verify(forged, "GET", "/v1/requests/r1", NOW);

    assertTrue(verdict.caller().isEmpty());
    assertTrue(verdict.problem().contains("bad Fabric-Peer signature"), verdict.problem());
  }

  @Test
  void widenedTenantsBreakTheSignature() {
    String header = PEERS.sign("GET", "/v1/requests/r1", ACME, NOW);
    String payload = new String(Base64.getUrlDecoder().decode(header.substring(0, header.indexOf('.'))), StandardCharsets.UTF_8);
    String widened = Base64.getUrlEncoder().withoutPadding().encodeToString(payload.replace("[\"acme\"]", "[\"*\"]")
        .getBytes(StandardCharsets.UTF_8)) + header.substring(header.indexOf('.'));

    assertTrue(PEERS.verify(widened, "GET", "/v1/requests/r1", NOW).caller().isEmpty());
  }

  @Test
  void aSignatureCoversOnePathAndMethodAndQuery() {
    String header = PEERS.sign("GET", "/v1/requests/r1/wait?timeout=PT2S", ACME, NOW);

    assertTrue(PEERS.verify(header, "GET", "/v1/requests/r2/wait?timeout=PT2S", NOW).caller().isEmpty());
    assertTrue(PEERS.verify(header, "GET", "/v1/requests/r1/wait?timeout=PT60S", NOW).caller().isEmpty());
    assertTrue(PEERS.verify(header, "POST", "/v1/requests/r1/wait?timeout=PT2S", NOW).caller().isEmpty());
    assertTrue(PEERS.verify(header, "GET", "/v1/requests/r1/wait?timeout=PT2S", NOW).caller().isPresent());
  }

  @Test
  void aStaleOrFutureSignatureIsRefused() {
    String header = PEERS.sign("GET", "/v1/requests/r1", ACME, NOW);
    long skew = PeerAuthentication.MAX_SKEW.toMillis();

    assertTrue(PEERS.verify(header, "GET", "/v1/requests/r1", NOW + skew).caller().isPresent());
    assertTrue(PEERS.verify(header, "GET", "/v1/requests/r1", NOW + skew + 1).caller().isEmpty());
    assertTrue(PEERS.verify(header, "GET", "/v1/requests/r1", NOW - skew - 1).caller().isEmpty());
  }

  @Test
  void garbageIsRefusedWithoutAnException() {
    for (String garbage : new String[] {null, "", "x", "a.b.c", "%%%.%%%", "e30.e30", "Bearer fgw_x"}) {
      assertTrue(PEERS.verify(garbage, "GET", "/v1/requests/r1", NOW).caller().isEmpty(), String.valueOf(garbage));
    }
  }

  @Test
  void anAnswerIsBoundToItsRequestStatusAndBody() {
    String request = PEERS.sign("GET", "/v1/requests/r1", ACME, NOW);
    byte[] body = "{\"request_id\":\"r1\"}".getBytes(StandardCharsets.UTF_8);
    String answer = PEERS.signAnswer(request, 200, body);

    assertTrue(PEERS.answerIsSigned(request, 200, body, answer));
    assertFalse(PEERS.answerIsSigned(request, 404, body, answer), "another status");
    assertFalse(PEERS.answerIsSigned(request, 200, "{}".getBytes(StandardCharsets.UTF_8), answer), "another body");
    assertFalse(PEERS.answerIsSigned(PEERS.sign("GET", "/v1/requests/r2", ACME, NOW), 200, body, answer), "another request");
    assertFalse(PEERS.answerIsSigned(request, 200, body, PeerAuthentication.of(secret('b')).signAnswer(request, 200, body)), "another secret");
    assertFalse(PEERS.answerIsSigned(request, 200, body, null), "unsigned");
    assertFalse(PEERS.answerIsSigned(request, 200, body, request.substring(request.indexOf('.') + 1)), "the request's own signature");
  }

  @Test
  void aShortSecretIsRefusedAndAFileIsReadWithoutItsNewline(@TempDir Path dir) throws Exception {
    assertThrows(IllegalArgumentException.class, () -> PeerAuthentication.of("short".getBytes(StandardCharsets.UTF_8)));
    Path file = dir.resolve("peer.secret");
    Files.writeString(file, "a".repeat(40) + "\n");

    PeerAuthentication loaded = PeerAuthentication.load(file);

    assertTrue(loaded.verify(PEERS.sign("GET", "/p", ACME, NOW), "GET", "/p", NOW).caller().isPresent());
    assertFalse(loaded.toString().contains("aaaa"));
  }

  @Test
  void aPlaceholderIsNotASecret(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("peer.secret");
    Files.writeString(file, "# PLACEHOLDER: replace with a shared secret of at least 32 bytes, e.g.\n# openssl rand -base64 48\n");

    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> PeerAuthentication.load(file));

    assertTrue(refused.getMessage().contains("placeholder"), refused.getMessage());
  }
}
