package io.fabric.plugins.vendors;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.LongRunningJobs;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Video and music generation ({@code video_generate}, {@code music_generate}) as long-running jobs
 * on a Replicate-style predictions API: {@code POST /v1/predictions} creates the prediction and
 * answers at once with its id ({@code starting}); the runtime checkpoints the started job and polls
 * {@code GET /v1/predictions/{id}} ({@code starting}, {@code processing}, then {@code succeeded},
 * {@code failed} or {@code canceled}) without holding a thread; a job past its deadline, or whose
 * flow is rolled back while it runs, is cancelled with {@code POST /v1/predictions/{id}/cancel}
 * (see {@link LongRunningJobs}). The create sends no {@code Prefer: wait}: Replicate would then hold the
 * request open until the prediction ends (up to a minute), which is the thread the job design frees.
 *
 * <p>Replicate documents no idempotency key for creating a prediction. The plugin sends the step's
 * key as {@code Idempotency-Key} anyway, but declares {@link InDoubtSupport#NONE} unless
 * {@value #VENDOR_DEDUPLICATES} says the endpoint honours it (a proxy in front of the vendor, a
 * compatible API): a process that dies after the create request went out and before the started job
 * was checkpointed leaves the task in doubt, and it goes to the DLQ as {@code IN_DOUBT} for a person
 * to look for the prediction rather than paying for a second one. A response lost on the way back is
 * likewise not retried. Once the job is checkpointed, no crash, retry or restart creates another.
 *
 * <p>Payload: {@code prompt} (or a whole model {@code input} object), optional {@code version}
 * (else the configured {@code video_version} / {@code music_version}), optional {@code duration}
 * (seconds, passed to the model's input). Result when the job succeeded: {@code media_video} or
 * {@code media_music}: {@code {prediction_id, status, output, version, predict_time}}.
 */
public final class MediaPlugin extends VendorPlugin implements LongRunningJobs {
  public static final String NAME = "media";
  public static final String VIDEO = "video_generate";
  public static final String MUSIC = "music_generate";
  public static final String TOKEN = "token";
  public static final String VIDEO_VERSION = "video_version";
  public static final String MUSIC_VERSION = "music_version";
  /** How long after a start or a poll the next poll comes. */
  public static final String POLL_INTERVAL_MS = "poll_interval_ms";
  /** How long a job may run before the runtime cancels it and fails the step. */
  public static final String DEADLINE_MS = "deadline_ms";
  /** Whether the endpoint deduplicates creates by {@code Idempotency-Key} (Replicate does not document it). */
  public static final String VENDOR_DEDUPLICATES = "vendor_deduplicates";
  private static final int MAX_KEY_LENGTH = 255;
  private static final String DEFAULT_BASE_URL = "https://api.replicate.com";
  private static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(5);
  private static final Duration DEFAULT_DEADLINE = Duration.ofHours(1);

  public MediaPlugin() {
    this(VendorConfig.fromEnvironment(NAME));
  }

  public MediaPlugin(VendorConfig config) {
    // the NONE given here is not used: inDoubtSupport() below decides by the live setting
    super(NAME, config, InDoubtSupport.NONE, VIDEO, MUSIC);
  }

  @Override
  public InDoubtSupport inDoubtSupport() {
    try {
      return config.flag(VENDOR_DEDUPLICATES) ? InDoubtSupport.VENDOR_IDEMPOTENCY : InDoubtSupport.NONE;
    } catch (PermanentTaskException e) {
      return InDoubtSupport.NONE;
    }
  }

  /** Cancelling a prediction by its id is safe to repeat, so an interrupted cancel is simply sent again. */
  @Override
  public InDoubtSupport compensationInDoubtSupport(String taskType) {
    return InDoubtSupport.VENDOR_IDEMPOTENCY;
  }

  @Override
  public boolean startsJob(String taskType) {
    return taskTypes().contains(taskType);
  }

  @Override
  public Duration jobDeadline(String taskType) {
    return millis(DEADLINE_MS, DEFAULT_DEADLINE);
  }

  /** Only a runtime that runs long-running jobs calls this plugin; {@link #startJob} is its entry point. */
  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    requireHandled(context);
    throw new PermanentTaskException("plugin " + NAME + " runs " + context.action() + " as a long-running job; this runtime does not "
        + "run jobs (io.fabric.plugins.spi.LongRunningJobs)");
  }

  @Override
  public JobStarted startJob(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    requireHandled(context);
    String token = config.require(TOKEN).get(TOKEN);
    String versionKey = VIDEO.equals(context.action()) ? VIDEO_VERSION : MUSIC_VERSION;
    String version = VendorPayload.optionalText(payload, "version").orElse(null);
    if (version == null) {
      version = config.require(versionKey).get(versionKey);
    }
    Map<String, Object> input = new LinkedHashMap<>(VendorPayload.optionalObject(payload, "input").orElse(Map.of()));
    if (input.isEmpty()) {
      input.put("prompt", VendorPayload.text(payload, "prompt"));
    }
    if (payload.get("duration") != null) {
      input.put("duration", VendorPayload.positiveLong(payload, "duration"));
    }
    boolean deduplicated = inDoubtSupport() == InDoubtSupport.VENDOR_IDEMPOTENCY;
    VendorHttp.Response response = http.request(config, "POST", VendorHttp.url(base(), "v1", "predictions"))
        .bearer(token)
        .idempotencyKey(IdempotencyKeys.fit(context.idempotencyKey(), MAX_KEY_LENGTH))
        .json(Map.of("version", version, "input", input))
        // a lost response is retried only where the endpoint deduplicates: else a second job could run
        .idempotent(deduplicated)
        .send();
    String id = response.requireText(NAME, "a prediction id", "id");
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("version", version);
    details.put("status", response.text("status").orElse("starting"));
    return new JobStarted(id, pollInterval(), details);
  }

  @Override
  public JobStatus pollJob(String tenantId, Job job, TaskContext context) throws TaskException {
    String token = config.require(TOKEN).get(TOKEN);
    VendorHttp.Response response = http.request(config, "GET", VendorHttp.url(base(), "v1", "predictions", job.id()))
        .bearer(token).idempotent(true).send();
    String status = response.text("status").orElse("unknown");
    return switch (status) {
      case "starting", "processing" -> new JobStatus.Running(pollInterval());
      case "succeeded" -> new JobStatus.Succeeded(Map.of(resultKey(job.taskType()), succeeded(job, response)));
      case "failed" -> new JobStatus.Failed("prediction " + job.id() + " failed: "
          + config.redact(VendorHttp.bounded(response.text("error").orElse("(no error given)"))));
      case "canceled" -> new JobStatus.Failed("prediction " + job.id() + " was canceled at the vendor");
      default -> throw new PermanentTaskException(NAME + ": prediction " + job.id() + " has an unknown status '"
          + VendorHttp.bounded(status) + "'; check it at the vendor");
    };
  }

  /** Cancels the prediction; one that already ended is left as it is and reported with its status. */
  @Override
  public Map<String, Object> cancelJob(String tenantId, Job job, TaskContext context) throws TaskException {
    String token = config.require(TOKEN).get(TOKEN);
    VendorHttp.Response response = http.request(config, "POST", VendorHttp.url(base(), "v1", "predictions", job.id(), "cancel"))
        .bearer(token).idempotent(true).send();
    return Map.of("media_job_canceled", Map.of("prediction_id", job.id(), "status", response.text("status").orElse("canceled")));
  }

  private Map<String, Object> succeeded(Job job, VendorHttp.Response response) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("prediction_id", job.id());
    result.put("status", "succeeded");
    JsonNode output = response.json().path("output");
    result.put("output", output.isMissingNode() ? null : VendorHttp.JSON.convertValue(output, Object.class));
    response.text("version").ifPresent(version -> result.put("version", version));
    JsonNode predictTime = response.json().path("metrics").path("predict_time");
    if (predictTime.isNumber()) {
      result.put("predict_time", predictTime.asDouble());
    }
    return result;
  }

  private static String resultKey(String taskType) {
    return MUSIC.equals(taskType) ? "media_music" : "media_video";
  }

  private Duration pollInterval() {
    return millis(POLL_INTERVAL_MS, DEFAULT_POLL_INTERVAL);
  }

  /** A duration setting in milliseconds; unset or unusable, the default (the runtime asks outside any task, so this cannot fail). */
  private Duration millis(String key, Duration fallback) {
    try {
      long millis = Long.parseLong(config.get(key, String.valueOf(fallback.toMillis())));
      return millis > 0 ? Duration.ofMillis(millis) : fallback;
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private String base() {
    return config.get(VendorConfig.BASE_URL, DEFAULT_BASE_URL);
  }
}
