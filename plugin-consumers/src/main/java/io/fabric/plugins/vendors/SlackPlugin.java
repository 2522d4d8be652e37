package io.fabric.plugins.vendors;

import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code send_slack}: a message through Slack's Web API {@code chat.postMessage} (bot token as
 * Bearer). Slack reports most failures as HTTP 200 with {@code {"ok":false,"error":"…"}}: this plugin
 * turns {@code ratelimited} (like HTTP 429, which carries {@code Retry-After}) into a retryable
 * failure and every other error into a permanent one naming Slack's error code. Slack takes no
 * idempotency key for posting, so an in-doubt message is left to a person ({@link InDoubtSupport#NONE})
 * and a response lost after sending is not retried. Compensation deletes the message
 * ({@code chat.delete} with the channel and {@code ts} of the result); a message already gone
 * ({@code message_not_found}) counts as done, so an in-doubt compensation is repeated
 * ({@link InDoubtSupport#LOOKUP} for the compensation).
 *
 * <p>Payload: {@code text}, optional {@code channel} (default the configured {@code channel}),
 * {@code thread_ts} (reply in a thread), {@code blocks} (Block Kit, {@code text} then being the
 * notification fallback). Result: {@code slack_message: {channel, ts}}.
 */
public final class SlackPlugin extends VendorPlugin {
  public static final String NAME = "slack";
  public static final String SEND = "send_slack";
  public static final String TOKEN = "token";
  public static final String CHANNEL = "channel";
  /** Slack's {@code ok:false} errors worth another attempt. */
  private static final Set<String> RETRYABLE_ERRORS = Set.of("ratelimited");
  /** {@code chat.delete}'s answer when the message is already gone. */
  private static final String MESSAGE_NOT_FOUND = "message_not_found";

  public SlackPlugin() {
    this(VendorConfig.fromEnvironment(NAME));
  }

  public SlackPlugin(VendorConfig config) {
    super(NAME, config, InDoubtSupport.NONE, SEND);
  }

  @Override
  public boolean compensable(String taskType) {
    return SEND.equals(taskType);
  }

  @Override
  public InDoubtSupport compensationInDoubtSupport(String taskType) {
    return SEND.equals(taskType) ? InDoubtSupport.LOOKUP : inDoubtSupport();
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    requireHandled(context);
    String token = config.require(TOKEN).get(TOKEN);
    String channel = VendorPayload.optionalText(payload, "channel").or(() -> config.get(CHANNEL))
        .orElseThrow(() -> new PermanentTaskException("payload field 'channel' is missing and " + VendorConfig.envName(NAME, CHANNEL)
            + " is not set"));
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("channel", channel);
    message.put("text", VendorPayload.text(payload, "text"));
    VendorPayload.optionalText(payload, "thread_ts").ifPresent(ts -> message.put("thread_ts", ts));
    if (payload.get("blocks") != null) {
      message.put("blocks", VendorPayload.objects(payload, "blocks"));
    }
    VendorHttp.Response response = call(token, "chat.postMessage", message, false);
    Map<String, Object> sent = new LinkedHashMap<>();
    sent.put("channel", response.text("channel").orElse(channel));
    sent.put("ts", response.requireText(NAME, "the message's ts", "ts"));
    return Map.of("slack_message", sent);
  }

  /** Deletes the message of {@code result}; one already gone counts as done. */
  @Override
  public Map<String, Object> compensate(String tenantId, Map<String, Object> payload, Map<String, Object> result,
                                        TaskContext context) throws TaskException {
    if (!SEND.equals(context.action())) {
      return super.compensate(tenantId, payload, result, context);
    }
    String token = config.require(TOKEN).get(TOKEN);
    String channel = VendorPayload.resultId(result, "slack_message", "channel");
    String ts = VendorPayload.resultId(result, "slack_message", "ts");
    VendorHttp.Response response = call(token, "chat.delete", Map.of("channel", channel, "ts", ts), true);
    boolean alreadyGone = !response.json().path("ok").asBoolean(false);
    return Map.of("slack_message_deleted", Map.of("channel", channel, "ts", ts, "already_gone", alreadyGone));
  }

  /**
   * One Web API call; an {@code ok:false} answer becomes the failure it means. With
   * {@code toleratesGone}, {@code message_not_found} is answered instead (a delete already done).
   */
  private VendorHttp.Response call(String token, String method, Map<String, Object> body, boolean toleratesGone) throws TaskException {
    VendorHttp.Response response = http.request(config, "POST", VendorHttp.url(base(), "api", method))
        .bearer(token)
        .json(body)
        .header("Content-Type", "application/json; charset=utf-8")
        .idempotent(toleratesGone)
        .send();
    if (response.json().path("ok").asBoolean(false)) {
      return response;
    }
    String error = response.text("error").orElse("no 'ok' in the answer");
    if (toleratesGone && MESSAGE_NOT_FOUND.equals(error)) {
      return response;
    }
    String detail = NAME + ": POST /api/" + method + " answered ok:false: " + VendorHttp.bounded(config.redact(error));
    if (RETRYABLE_ERRORS.contains(error)) {
      throw new RetryableTaskException(detail + response.header("Retry-After").map(s -> " (Retry-After: " + VendorHttp.bounded(s) + ")")
          .orElse(""));
    }
    throw new PermanentTaskException(detail);
  }

  private String base() {
    return config.get(VendorConfig.BASE_URL, "https://slack.com");
  }
}
