package io.fabric.plugins.vendors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.fabric.plugins.vendors.VendorTesting.KEY;
import static io.fabric.plugins.vendors.VendorTesting.assertNoSecret;
import static io.fabric.plugins.vendors.VendorTesting.context;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.http.Fault;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.plugins.spi.TaskException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CmsPluginTest {
  private static final String USER = "editor";
  private static final String PASSWORD = "abcd EFGH 1234 ijkl MNOP 5678";
  private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
  private static final String POSTS = "/blog/wp-json/wp/v2/posts";
  private static final Map<String, Object> PAYLOAD = Map.of("title", "Release notes", "content", "Kafka all the way down.");
  private static final Map<String, Object> RESULT = Map.of("cms_post", Map.of("id", "123", "status", "publish"));

  @RegisterExtension
  final StubbedVendor vendor = new StubbedVendor();

  private CmsPlugin plugin() {
    return new CmsPlugin(VendorConfig.ofKeys("cms", Map.of(VendorConfig.BASE_URL, vendor.baseUrl() + "/blog", "user", USER,
        "password", PASSWORD)));
  }

  @Test
  void publishesAPostTaggedWithTheIdempotencyKey() throws TaskException {
    vendor.stubFor(post(POSTS).willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json").withBody("""
        {"id":123,"status":"publish","link":"https://blog.example.com/release-notes/","meta":{"fabric_idempotency_key":"%s"}}"""
        .formatted(KEY))));

    Map<String, Object> result = plugin().execute("acme", PAYLOAD, context("publish_content"));

    assertEquals(Map.of("cms_post", Map.of("id", "123", "link", "https://blog.example.com/release-notes/", "status", "publish",
        "recovered", false)), result);
    vendor.verify(postRequestedFor(urlEqualTo(POSTS)).withHeader("Authorization", equalTo(BASIC))
        .withRequestBody(equalToJson("""
            {"title":"Release notes","content":"Kafka all the way down.","status":"publish","meta":{"fabric_idempotency_key":"%s"}}"""
            .formatted(KEY))));
    vendor.verify(exactly(0), getRequestedFor(urlPathEqualTo(POSTS)));
    assertNoSecret(PASSWORD, result);
  }

  @Test
  void anInDoubtPublishFindsThePostOfTheEarlierAttemptInsteadOfPublishingAgain() throws TaskException {
    vendor.stubFor(get(urlPathEqualTo(POSTS)).willReturn(okJson("""
        [{"id":123,"status":"publish","link":"https://blog.example.com/release-notes/","meta":{"fabric_idempotency_key":"%s"}}]"""
        .formatted(KEY))));

    Map<?, ?> post = (Map<?, ?>) plugin().execute("acme", PAYLOAD, context("publish_content", KEY, 2, true)).get("cms_post");

    assertEquals("123", post.get("id"));
    assertEquals(true, post.get("recovered"));
    vendor.verify(getRequestedFor(urlEqualTo(POSTS + "?meta_key=fabric_idempotency_key&meta_value=" + KEY
        + "&status=publish%2Cfuture%2Cdraft%2Cpending%2Cprivate&_fields=id%2Clink%2Cstatus%2Cmeta")).withHeader("Authorization", equalTo(BASIC)));
    vendor.verify(exactly(0), postRequestedFor(urlEqualTo(POSTS)));
  }

  @Test
  void aSiteThatIgnoresTheMetaFilterCannotMakeAStrangersPostOurs() throws TaskException {
    vendor.stubFor(get(urlPathEqualTo(POSTS)).willReturn(okJson("""
        [{"id":7,"status":"publish","meta":{"fabric_idempotency_key":"someone-else"}},{"id":8,"status":"publish","meta":[]}]""")));
    vendor.stubFor(post(POSTS).willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
        .withBody("{\"id\":124,\"status\":\"publish\"}")));

    Map<?, ?> post = (Map<?, ?>) plugin().execute("acme", PAYLOAD, context("publish_content", KEY, 2, true)).get("cms_post");

    assertEquals("124", post.get("id"));
    assertEquals(false, post.get("recovered"));
    vendor.verify(exactly(1), postRequestedFor(urlEqualTo(POSTS)));
  }

  @Test
  void aResponseLostAfterSendingIsRetriedBecauseTheRetryLooksFirst() {
    vendor.stubFor(post(POSTS).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

    assertThrows(RetryableTaskException.class, () -> plugin().execute("acme", PAYLOAD, context("publish_content")));
    assertEquals(InDoubtSupport.LOOKUP, plugin().inDoubtSupport());
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 500, 503})
  void throttlingAndOutagesAreRetryable(int status) {
    vendor.stubFor(post(POSTS).willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json")
        .withBody("{\"code\":\"internal_server_error\",\"message\":\"There has been a critical error on this website.\"}")));

    assertThrows(RetryableTaskException.class, () -> plugin().execute("acme", PAYLOAD, context("publish_content")));
  }

  @Test
  void aRefusedPostIsPermanentWithWordPresssMessage() {
    vendor.stubFor(post(POSTS).willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json").withBody("""
        {"code":"rest_cannot_create","message":"Sorry, you are not allowed to create posts as this user.","data":{"status":401}}""")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin().execute("acme", PAYLOAD, context("publish_content")));

    assertTrue(e.getMessage().endsWith("HTTP 401: rest_cannot_create: Sorry, you are not allowed to create posts as this user."),
        e.getMessage());
    assertNoSecret(PASSWORD, e);
  }

  @Test
  void anUnknownStatusIsRefusedBeforeAnyCall() {
    PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> plugin().execute("acme",
        Map.of("title", "t", "content", "c", "status", "trash"), context("publish_content")));

    assertTrue(e.getMessage().contains("'status' must be one of"), e.getMessage());
    assertEquals(0, vendor.getAllServeEvents().size());
  }

  @Test
  void compensationTrashesThePostWithoutForce() throws TaskException {
    vendor.stubFor(delete(POSTS + "/123").willReturn(okJson("{\"id\":123,\"status\":\"trash\"}")));

    Map<String, Object> result = plugin().compensate("acme", Map.of(), RESULT, context("publish_content"));

    assertEquals(Map.of("cms_post_trashed", Map.of("id", "123", "status", "trash", "already_trashed", false)), result);
    vendor.verify(deleteRequestedFor(urlEqualTo(POSTS + "/123")).withHeader("Authorization", equalTo(BASIC)));
  }

  @Test
  void aRepeatedCompensationOfAPostAlreadyInTheTrashIsDone() throws TaskException {
    vendor.stubFor(delete(POSTS + "/123").willReturn(aResponse().withStatus(410).withHeader("Content-Type", "application/json").withBody("""
        {"code":"rest_already_trashed","message":"The post has already been deleted.","data":{"status":410}}""")));

    Map<String, Object> result = plugin().compensate("acme", Map.of(), RESULT, context("publish_content", "compensate-req-7", 2, true));

    assertEquals(true, ((Map<?, ?>) result.get("cms_post_trashed")).get("already_trashed"));
  }

  @Test
  void anUnconfiguredSiteNamesWhatToSet() {
    CmsPlugin unconfigured = new CmsPlugin(VendorConfig.of("cms", Map.of(), Map.of()));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> unconfigured.execute("acme", PAYLOAD, context("publish_content")));

    assertTrue(e.getMessage().startsWith("cms plugin is not configured: set FABRIC_CMS_BASE_URL, FABRIC_CMS_USER, FABRIC_CMS_PASSWORD"),
        e.getMessage());
  }
}
