package io.fabric.plugins.vendors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.fabric.plugins.vendors.VendorTesting.KEY;
import static io.fabric.plugins.vendors.VendorTesting.assertNoSecret;
import static io.fabric.plugins.vendors.VendorTesting.config;
import static io.fabric.plugins.vendors.VendorTesting.context;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.http.Fault;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.LongRunningJobs.Job;
import io.fabric.plugins.spi.LongRunningJobs.JobStarted;
import io.fabric.plugins.spi.LongRunningJobs.JobStatus;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.plugins.spi.TaskException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The media plugin against a WireMock Replicate: start, poll, cancel, errors and the in-doubt rules. */
class MediaPluginTest {
  private static final String TOKEN = "r8_supersecretreplicatetoken";
  private static final Map<String, Object> VIDEO = Map.of("prompt", "a lighthouse at dawn", "duration", 5);
  private static final Job JOB = new Job("ufawqhfynnddngldkgtslldrkq", MediaPlugin.VIDEO, Instant.EPOCH, Map.of());
  private static final String STARTING = """
      {"id":"ufawqhfynnddngldkgtslldrkq","version":"v-video","status":"starting","input":{"prompt":"a lighthouse at dawn"},
       "urls":{"get":"https://api.replicate.com/v1/predictions/ufawqhfynnddngldkgtslldrkq"}}""";

  @RegisterExtension
  final StubbedVendor vendor = new StubbedVendor();

  private MediaPlugin plugin(Map<String, String> overrides) {
    return new MediaPlugin(config("media", Map.of(VendorConfig.BASE_URL, vendor.baseUrl(), "token", TOKEN, "video_version", "v-video",
        "music_version", "v-music", "poll_interval_ms", "2000"), overrides));
  }

  @Test
  void startsAPredictionAndAnswersWithItsIdAtOnceSendingTheStepsKey() throws TaskException {
    vendor.stubFor(post("/v1/predictions").willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
        .withBody(STARTING)));

    JobStarted started = plugin(Map.of()).startJob("acme", VIDEO, context(MediaPlugin.VIDEO));

    assertEquals("ufawqhfynnddngldkgtslldrkq", started.jobId());
    assertEquals(Duration.ofSeconds(2), started.pollAfter());
    assertEquals(Map.of("version", "v-video", "status", "starting"), started.details());
    vendor.verify(exactly(1), postRequestedFor(urlEqualTo("/v1/predictions"))
        .withHeader("Authorization", equalTo("Bearer " + TOKEN))
        .withHeader("Idempotency-Key", equalTo(KEY))
        .withRequestBody(equalToJson("{\"version\":\"v-video\",\"input\":{\"prompt\":\"a lighthouse at dawn\",\"duration\":5}}")));
    assertNoSecret(TOKEN, started.details());
  }

  @Test
  void musicUsesItsOwnModelVersionAndAPayloadVersionOrInputWins() throws TaskException {
    vendor.stubFor(post("/v1/predictions").willReturn(aResponse().withStatus(201).withBody(STARTING)));

    plugin(Map.of()).startJob("acme", Map.of("prompt", "lo-fi piano"), context(MediaPlugin.MUSIC));
    plugin(Map.of()).startJob("acme", Map.of("version", "v-own", "input", Map.of("prompt", "x", "seed", 7)), context(MediaPlugin.VIDEO));

    vendor.verify(exactly(1), postRequestedFor(urlEqualTo("/v1/predictions"))
        .withRequestBody(equalToJson("{\"version\":\"v-music\",\"input\":{\"prompt\":\"lo-fi piano\"}}")));
    vendor.verify(exactly(1), postRequestedFor(urlEqualTo("/v1/predictions"))
        .withRequestBody(equalToJson("{\"version\":\"v-own\",\"input\":{\"prompt\":\"x\",\"seed\":7}}")));
  }

  @Test
  void aPollAnswersRunningUntilThePredictionSucceedsThenItsOutput() throws TaskException {
    vendor.stubFor(get("/v1/predictions/" + JOB.id()).inScenario("job").whenScenarioStateIs("Started")
        .willReturn(okJson("{\"id\":\"" + JOB.id() + "\",\"status\":\"processing\"}")).willSetStateTo("done"));
    vendor.stubFor(get("/v1/predictions/" + JOB.id()).inScenario("job").whenScenarioStateIs("done")
        .willReturn(okJson("{\"id\":\"" + JOB.id() + "\",\"version\":\"v-video\",\"status\":\"succeeded\","
            + "\"output\":[\"https://replicate.delivery/x/out.mp4\"],\"metrics\":{\"predict_time\":41.2}}")));
    MediaPlugin plugin = plugin(Map.of());

    assertEquals(new JobStatus.Running(Duration.ofSeconds(2)), plugin.pollJob("acme", JOB, context(MediaPlugin.VIDEO)));
    JobStatus.Succeeded done = assertInstanceOf(JobStatus.Succeeded.class, plugin.pollJob("acme", JOB, context(MediaPlugin.VIDEO)));

    Map<?, ?> video = (Map<?, ?>) done.result().get("media_video");
    assertEquals(java.util.List.of("https://replicate.delivery/x/out.mp4"), video.get("output"));
    assertEquals(JOB.id(), video.get("prediction_id"));
    assertEquals(41.2, video.get("predict_time"));
  }

  @Test
  void aFailedOrCanceledPredictionFailsTheStepWithTheVendorsError() throws TaskException {
    vendor.stubFor(get("/v1/predictions/" + JOB.id()).willReturn(okJson("{\"status\":\"failed\",\"error\":\"CUDA out of memory\"}")));
    vendor.stubFor(get("/v1/predictions/other").willReturn(okJson("{\"status\":\"canceled\"}")));
    MediaPlugin plugin = plugin(Map.of());

    JobStatus.Failed failed = assertInstanceOf(JobStatus.Failed.class, plugin.pollJob("acme", JOB, context(MediaPlugin.VIDEO)));
    assertTrue(failed.why().contains("CUDA out of memory"), failed.why());
    assertInstanceOf(JobStatus.Failed.class, plugin.pollJob("acme", new Job("other", MediaPlugin.VIDEO, Instant.EPOCH, Map.of()),
        context(MediaPlugin.VIDEO)));
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 500, 503})
  void aRateLimitOrServerErrorIsRetryableOnCreateAndPoll(int status) {
    vendor.stubFor(post("/v1/predictions").willReturn(aResponse().withStatus(status).withBody("{\"detail\":\"busy\"}")));
    vendor.stubFor(get("/v1/predictions/" + JOB.id()).willReturn(aResponse().withStatus(status).withBody("{\"detail\":\"busy\"}")));
    MediaPlugin plugin = plugin(Map.of());

    assertThrows(RetryableTaskException.class, () -> plugin.startJob("acme", VIDEO, context(MediaPlugin.VIDEO)));
    assertThrows(RetryableTaskException.class, () -> plugin.pollJob("acme", JOB, context(MediaPlugin.VIDEO)));
  }

  @Test
  void aClientErrorIsPermanentWithTheVendorsDetailAndNoSecret() {
    vendor.stubFor(post("/v1/predictions").willReturn(aResponse().withStatus(422)
        .withBody("{\"title\":\"Invalid version\",\"detail\":\"version " + TOKEN + " does not exist\",\"status\":422}")));

    PermanentTaskException error = assertThrows(PermanentTaskException.class,
        () -> plugin(Map.of()).startJob("acme", VIDEO, context(MediaPlugin.VIDEO)));

    assertTrue(error.getMessage().contains("HTTP 422") && error.getMessage().contains("does not exist"), error.getMessage());
    assertNoSecret(TOKEN, error);
  }

  @Test
  void withoutCredentialsOrAPromptTheTaskFailsPermanentlyNamingWhatIsMissing() {
    PermanentTaskException noToken = assertThrows(PermanentTaskException.class, () -> new MediaPlugin(VendorConfig.ofKeys("media",
        Map.of(VendorConfig.BASE_URL, vendor.baseUrl()))).startJob("acme", VIDEO, context(MediaPlugin.VIDEO)));
    assertTrue(noToken.getMessage().contains("FABRIC_MEDIA_TOKEN"), noToken.getMessage());
    PermanentTaskException noPrompt = assertThrows(PermanentTaskException.class,
        () -> plugin(Map.of()).startJob("acme", Map.of(), context(MediaPlugin.VIDEO)));
    assertTrue(noPrompt.getMessage().contains("prompt"), noPrompt.getMessage());
  }

  @Test
  void replicateTakesNoIdempotencyKeySoAnInDoubtCreateIsLeftToAPersonUnlessTheEndpointDeduplicates() {
    assertEquals(InDoubtSupport.NONE, plugin(Map.of()).inDoubtSupport());
    assertEquals(InDoubtSupport.VENDOR_IDEMPOTENCY, plugin(Map.of("vendor_deduplicates", "true")).inDoubtSupport());
    // cancelling by id is safe to repeat, so an interrupted cancel is sent again either way
    assertEquals(InDoubtSupport.VENDOR_IDEMPOTENCY, plugin(Map.of()).compensationInDoubtSupport(MediaPlugin.VIDEO));
  }

  @Test
  void aResponseLostAfterTheCreateIsNotRetriedUnlessTheEndpointDeduplicates() {
    vendor.stubFor(post("/v1/predictions").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

    PermanentTaskException unknown = assertThrows(PermanentTaskException.class,
        () -> plugin(Map.of()).startJob("acme", VIDEO, context(MediaPlugin.VIDEO)));
    assertTrue(unknown.getMessage().contains("outcome is unknown"), unknown.getMessage());
    assertThrows(RetryableTaskException.class,
        () -> plugin(Map.of("vendor_deduplicates", "true")).startJob("acme", VIDEO, context(MediaPlugin.VIDEO)));
  }

  @Test
  void anInDoubtCreateAtADeduplicatingEndpointSendsTheSameKeyAndGetsTheFirstPrediction() throws TaskException {
    vendor.stubFor(post("/v1/predictions").withHeader("Idempotency-Key", equalTo(KEY))
        .willReturn(aResponse().withStatus(201).withBody(STARTING)));

    JobStarted again = plugin(Map.of("vendor_deduplicates", "true")).startJob("acme", VIDEO,
        context(MediaPlugin.VIDEO, KEY, 2, true));

    assertEquals(JOB.id(), again.jobId());
    vendor.verify(exactly(1), postRequestedFor(urlEqualTo("/v1/predictions")).withHeader("Idempotency-Key", equalTo(KEY)));
  }

  @Test
  void cancellingAJobPostsItsCancelAndReportsTheStatus() throws TaskException {
    vendor.stubFor(post("/v1/predictions/" + JOB.id() + "/cancel").willReturn(okJson("{\"id\":\"" + JOB.id() + "\",\"status\":\"canceled\"}")));

    Map<String, Object> canceled = plugin(Map.of()).cancelJob("acme", JOB, context(MediaPlugin.VIDEO));

    assertEquals(Map.of("media_job_canceled", Map.of("prediction_id", JOB.id(), "status", "canceled")), canceled);
    vendor.verify(exactly(1), postRequestedFor(urlEqualTo("/v1/predictions/" + JOB.id() + "/cancel"))
        .withHeader("Authorization", equalTo("Bearer " + TOKEN)));
  }

  @Test
  void aCompletedStepIsNotCompensableOnlyARunningJobIsCancelled() {
    assertEquals(false, plugin(Map.of()).compensable(MediaPlugin.VIDEO));
    assertThrows(PermanentTaskException.class, () -> plugin(Map.of()).execute("acme", VIDEO, context(MediaPlugin.VIDEO)));
  }

  @Test
  void pollIntervalAndDeadlineComeFromTheConfigurationWithDefaultsForUnsetOrUnusableValues() {
    assertEquals(Duration.ofHours(1), new MediaPlugin(VendorConfig.ofKeys("media", Map.of())).jobDeadline(MediaPlugin.VIDEO));
    assertEquals(Duration.ofMinutes(10), plugin(Map.of("deadline_ms", "600000")).jobDeadline(MediaPlugin.MUSIC));
    assertEquals(Duration.ofHours(1), plugin(Map.of("deadline_ms", "soon")).jobDeadline(MediaPlugin.MUSIC));
  }
}
