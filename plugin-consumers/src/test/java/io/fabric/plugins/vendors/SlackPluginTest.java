package io.fabric.plugins.vendors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToIgnoreCase;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.fabric.plugins.vendors.VendorTesting.assertNoSecret;
import static io.fabric.plugins.vendors.VendorTesting.context;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.http.Fault;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.plugins.spi.TaskException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SlackPluginTest {
  private static final String TOKEN = "xoxb-1234-5678-slackSecretToken";
  private static final String POST = "/api/chat.postMessage";
  private static final String DELETE = "/api/chat.delete";
  private static final Map<String, Object> RESULT = Map.of("slack_message", Map.of("channel", "C024BE91L", "ts", "1503435956.000247"));

  @RegisterExtension
  final StubbedVendor vendor = new StubbedVendor();

  private SlackPlugin plugin() {
    return new SlackPlugin(VendorConfig.ofKeys("slack", Map.of(VendorConfig.BASE_URL, vendor.baseUrl(), "token", TOKEN,
        "channel", "C024BE91L")));
  }

  @Test
  void postsTheMessageWithTheBotTokenAndReturnsChannelAndTs() throws TaskException {
    vendor.stubFor(post(POST).willReturn(okJson("""
        {"ok":true,"channel":"C024BE91L","ts":"1503435956.000247","message":{"text":"Deploy done","type":"message"}}""")));

    Map<String, Object> result = plugin().execute("acme", Map.of("text", "Deploy done", "thread_ts", "1503435900.000100"),
        context("send_slack"));

    assertEquals(RESULT, result);
    vendor.verify(postRequestedFor(urlEqualTo(POST))
        .withHeader("Authorization", equalTo("Bearer " + TOKEN))
        .withHeader("Content-Type", equalToIgnoreCase("application/json; charset=utf-8"))
        .withRequestBody(equalToJson("{\"channel\":\"C024BE91L\",\"text\":\"Deploy done\",\"thread_ts\":\"1503435900.000100\"}")));
    assertNoSecret(TOKEN, result);
  }

  @Test
  void anErrorInAnHttp200IsPermanentWithSlacksCode() {
    vendor.stubFor(post(POST).willReturn(okJson("{\"ok\":false,\"error\":\"channel_not_found\"}")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin().execute("acme", Map.of("text", "hi", "channel", "C0GONE0001"), context("send_slack")));

    assertTrue(e.getMessage().endsWith("chat.postMessage answered ok:false: channel_not_found"), e.getMessage());
    assertNoSecret(TOKEN, e);
  }

  @Test
  void aTokenEchoedWhereTheErrorIsCutIsNotLeakedInPart() {
    // the error is cut to a bounded length: redacted first, then cut, or the token's first characters survive the cut
    vendor.stubFor(post(POST).willReturn(okJson("{\"ok\":false,\"error\":\"" + "x".repeat(480) + TOKEN + "\"}")));

    TaskException e = assertThrows(TaskException.class, () -> plugin().execute("acme", Map.of("text", "hi"), context("send_slack")));

    assertFalse(e.getMessage().contains(TOKEN.substring(0, 8)), e.getMessage());
  }

  @Test
  void ratelimitedInAnHttp200IsRetryable() {
    vendor.stubFor(post(POST).willReturn(okJson("{\"ok\":false,\"error\":\"ratelimited\"}").withHeader("Retry-After", "20")));

    RetryableTaskException e = assertThrows(RetryableTaskException.class,
        () -> plugin().execute("acme", Map.of("text", "hi"), context("send_slack")));

    assertTrue(e.getMessage().endsWith("ratelimited (Retry-After: 20)"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 500, 503})
  void http429AndOutagesAreRetryable(int status) {
    vendor.stubFor(post(POST).willReturn(aResponse().withStatus(status).withHeader("Retry-After", "30")
        .withHeader("Content-Type", "application/json").withBody("{\"ok\":false,\"error\":\"ratelimited\"}")));

    RetryableTaskException e = assertThrows(RetryableTaskException.class,
        () -> plugin().execute("acme", Map.of("text", "hi"), context("send_slack")));

    assertTrue(e.getMessage().contains("HTTP " + status), e.getMessage());
  }

  @Test
  void aResponseLostAfterSendingIsNotRetriedAndAnInDoubtMessageGoesToTheDlq() {
    vendor.stubFor(post(POST).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin().execute("acme", Map.of("text", "hi"), context("send_slack")));

    assertTrue(e.getMessage().contains("outcome is unknown"), e.getMessage());
    assertEquals(InDoubtSupport.NONE, plugin().inDoubtSupport());
  }

  @Test
  void compensationDeletesTheMessage() throws TaskException {
    vendor.stubFor(post(DELETE).willReturn(okJson("{\"ok\":true,\"channel\":\"C024BE91L\",\"ts\":\"1503435956.000247\"}")));

    Map<String, Object> result = plugin().compensate("acme", Map.of(), RESULT, context("send_slack"));

    assertEquals(Map.of("slack_message_deleted", Map.of("channel", "C024BE91L", "ts", "1503435956.000247", "already_gone", false)), result);
    vendor.verify(postRequestedFor(urlEqualTo(DELETE)).withHeader("Authorization", equalTo("Bearer " + TOKEN))
        .withRequestBody(equalToJson("{\"channel\":\"C024BE91L\",\"ts\":\"1503435956.000247\"}")));
  }

  @Test
  void aRepeatedCompensationOfAMessageAlreadyGoneIsDone() throws TaskException {
    vendor.stubFor(post(DELETE).willReturn(okJson("{\"ok\":false,\"error\":\"message_not_found\"}")));

    Map<String, Object> result = plugin().compensate("acme", Map.of(), RESULT, context("send_slack", "compensate-req-7", 2, true));

    assertEquals(true, ((Map<?, ?>) result.get("slack_message_deleted")).get("already_gone"));
    assertEquals(InDoubtSupport.LOOKUP, plugin().compensationInDoubtSupport("send_slack"));
  }

  @Test
  void aDeleteTheBotMayNotMakeFailsTheCompensation() {
    vendor.stubFor(post(DELETE).willReturn(okJson("{\"ok\":false,\"error\":\"cant_delete_message\"}")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin().compensate("acme", Map.of(), RESULT, context("send_slack")));

    assertTrue(e.getMessage().endsWith("cant_delete_message"), e.getMessage());
  }
}
