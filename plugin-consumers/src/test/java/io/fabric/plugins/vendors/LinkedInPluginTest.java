package io.fabric.plugins.vendors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.fabric.plugins.vendors.VendorTesting.assertNoSecret;
import static io.fabric.plugins.vendors.VendorTesting.config;
import static io.fabric.plugins.vendors.VendorTesting.context;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

class LinkedInPluginTest {
  private static final String TOKEN = "AQVlinkedinSecretToken0123";
  private static final String AUTHOR = "urn:li:organization:5515715";
  private static final String URN = "urn:li:share:6844785523593134080";
  private static final String POST_PATH = "/rest/posts/urn%3Ali%3Ashare%3A6844785523593134080";
  private static final Map<String, Object> RESULT = Map.of("linkedin_post", Map.of("post_urn", URN, "author", AUTHOR));

  @RegisterExtension
  final StubbedVendor vendor = new StubbedVendor();

  private LinkedInPlugin plugin(Map<String, String> overrides) {
    return new LinkedInPlugin(config("linkedin", Map.of(VendorConfig.BASE_URL, vendor.baseUrl(), "token", TOKEN, "author", AUTHOR),
        overrides));
  }

  @Test
  void postsWithTheVersionHeadersAndReturnsTheUrnFromXRestliId() throws TaskException {
    vendor.stubFor(post("/rest/posts").willReturn(aResponse().withStatus(201).withHeader("x-restli-id", URN)));

    Map<String, Object> result = plugin(Map.of()).execute("acme", Map.of("text", "We ship (finally) #kafka"), context("send_linkedin"));

    assertEquals(Map.of("linkedin_post", Map.of("post_urn", URN, "author", AUTHOR, "visibility", "PUBLIC")), result);
    vendor.verify(postRequestedFor(urlEqualTo("/rest/posts"))
        .withHeader("Authorization", equalTo("Bearer " + TOKEN))
        .withHeader("LinkedIn-Version", equalTo("202605"))
        .withHeader("X-Restli-Protocol-Version", equalTo("2.0.0"))
        .withRequestBody(equalToJson("""
            {"author":"%s","commentary":"We ship \\\\(finally\\\\) \\\\#kafka","visibility":"PUBLIC",
             "distribution":{"feedDistribution":"MAIN_FEED","targetEntities":[],"thirdPartyDistributionChannels":[]},
             "lifecycleState":"PUBLISHED","isReshareDisabledByAuthor":false}""".formatted(AUTHOR))));
    assertNoSecret(TOKEN, result);
  }

  @Test
  void everyLittleTextReservedCharacterIsEscaped() {
    assertEquals("a\\_b \\@\\[x\\]\\(y\\) \\{\\} \\<\\> \\* \\~ \\| \\\\ \\#", LinkedInPlugin.escape("a_b @[x](y) {} <> * ~ | \\ #"));
  }

  @Test
  void aPayloadAuthorAndVisibilityWinAndTheVersionIsConfigurable() throws TaskException {
    vendor.stubFor(post("/rest/posts").willReturn(aResponse().withStatus(201).withHeader("x-restli-id", URN)));

    plugin(Map.of("api_version", "202611")).execute("acme", Map.of("text", "hi", "author", "urn:li:person:8675309",
        "visibility", "CONNECTIONS"), context("send_linkedin"));

    vendor.verify(postRequestedFor(urlEqualTo("/rest/posts")).withHeader("LinkedIn-Version", equalTo("202611"))
        .withRequestBody(equalToJson("{\"author\":\"urn:li:person:8675309\",\"visibility\":\"CONNECTIONS\"}", true, true)));
  }

  @Test
  void aCreatedPostWithoutItsUrnIsPermanentAndSaysToCheck() {
    vendor.stubFor(post("/rest/posts").willReturn(aResponse().withStatus(201)));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin(Map.of()).execute("acme", Map.of("text", "hi"), context("send_linkedin")));

    assertTrue(e.getMessage().contains("x-restli-id"), e.getMessage());
  }

  @Test
  void aRejectedPostIsPermanentWithLinkedInsMessage() {
    vendor.stubFor(post("/rest/posts").willReturn(aResponse().withStatus(422).withHeader("Content-Type", "application/json")
        .withBody("{\"message\":\"ERROR :: /author :: field is required but not found\",\"status\":422}")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin(Map.of()).execute("acme", Map.of("text", "hi"), context("send_linkedin")));

    assertTrue(e.getMessage().endsWith("HTTP 422: ERROR :: /author :: field is required but not found"), e.getMessage());
    assertNoSecret(TOKEN, e);
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 500, 503})
  void throttlingAndOutagesAreRetryable(int status) {
    vendor.stubFor(post("/rest/posts").willReturn(aResponse().withStatus(status).withHeader("Retry-After", "30")
        .withHeader("Content-Type", "application/json").withBody("{\"status\":" + status + ",\"code\":\"TOO_MANY_REQUESTS\",\"message\":\"slow down\"}")));

    RetryableTaskException e = assertThrows(RetryableTaskException.class,
        () -> plugin(Map.of()).execute("acme", Map.of("text", "hi"), context("send_linkedin")));

    assertTrue(e.getMessage().contains("HTTP " + status), e.getMessage());
  }

  @Test
  void aResponseLostAfterSendingIsNotRetriedBecauseAPostCannotBeFoundByKey() {
    vendor.stubFor(post("/rest/posts").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin(Map.of()).execute("acme", Map.of("text", "hi"), context("send_linkedin")));

    assertTrue(e.getMessage().contains("outcome is unknown"), e.getMessage());
    assertEquals(InDoubtSupport.NONE, plugin(Map.of()).inDoubtSupport(), "an in-doubt post goes to the DLQ");
  }

  @Test
  void compensationDeletesThePostByItsEncodedUrn() throws TaskException {
    vendor.stubFor(delete(POST_PATH).willReturn(aResponse().withStatus(204)));

    Map<String, Object> result = plugin(Map.of()).compensate("acme", Map.of(), RESULT, context("send_linkedin"));

    assertEquals(Map.of("linkedin_post_deleted", Map.of("post_urn", URN, "already_gone", false)), result);
    vendor.verify(deleteRequestedFor(urlEqualTo(POST_PATH)).withHeader("Authorization", equalTo("Bearer " + TOKEN))
        .withHeader("X-Restli-Protocol-Version", equalTo("2.0.0")));
  }

  @Test
  void aRepeatedCompensationOfAPostAlreadyGoneIsDone() throws TaskException {
    vendor.stubFor(delete(POST_PATH).willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json")
        .withBody("{\"status\":404,\"code\":\"NOT_FOUND\",\"message\":\"Not Found\"}")));

    Map<String, Object> result = plugin(Map.of()).compensate("acme", Map.of(), RESULT, context("send_linkedin", "compensate-req-7", 2, true));

    assertEquals(true, ((Map<?, ?>) result.get("linkedin_post_deleted")).get("already_gone"));
    assertEquals(InDoubtSupport.LOOKUP, plugin(Map.of()).compensationInDoubtSupport("send_linkedin"));
    assertTrue(plugin(Map.of()).compensable("send_linkedin"));
  }

  @Test
  void aPostNeedsAnAuthorUrn() {
    LinkedInPlugin noAuthor = new LinkedInPlugin(VendorConfig.ofKeys("linkedin", Map.of(VendorConfig.BASE_URL, vendor.baseUrl(),
        "token", TOKEN)));

    PermanentTaskException missing = assertThrows(PermanentTaskException.class,
        () -> noAuthor.execute("acme", Map.of("text", "hi"), context("send_linkedin")));
    PermanentTaskException notUrn = assertThrows(PermanentTaskException.class,
        () -> noAuthor.execute("acme", Map.of("text", "hi", "author", "Acme Corp"), context("send_linkedin")));

    assertTrue(missing.getMessage().contains("FABRIC_LINKEDIN_AUTHOR"), missing.getMessage());
    assertTrue(notUrn.getMessage().contains("must be a LinkedIn URN"), notUrn.getMessage());
    assertEquals(0, vendor.getAllServeEvents().size());
  }
}
