package io.fabric.plugins.vendors;

import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code trigger_voice_call} through a Twilio-style calls API
 * ({@code POST /2010-04-01/Accounts/{AccountSid}/Calls.json}, form-encoded, HTTP Basic with the
 * account SID and auth token). The API takes no idempotency key, so an in-doubt call is left to a
 * person ({@link InDoubtSupport#NONE}). Compensation cancels the call while it is still queued or
 * ringing; a call that was already answered cannot be undone, which fails the compensation so the
 * flow ends {@code COMPENSATION_FAILED} naming this step. The cancel is by the call's SID and
 * answers the call's status, so repeating it after a crash is safe ({@link InDoubtSupport#LOOKUP}
 * for the compensation).
 *
 * <p>Payload: {@code to}, optional {@code from} (default: configured {@code from}), and what to play:
 * {@code url} (TwiML URL), {@code twiml}, or {@code say} (text read out); default the configured
 * {@code twiml_url}. Result: {@code voice_call: {call_sid, status, to, from}}.
 */
public final class VoicePlugin extends VendorPlugin {
  public static final String NAME = "voice";
  public static final String TRIGGER = "trigger_voice_call";
  public static final String ACCOUNT_SID = "account_sid";
  public static final String AUTH_TOKEN = "auth_token";
  public static final String FROM = "from";
  public static final String TWIML_URL = "twiml_url";
  public static final String STATUS_CALLBACK = "status_callback";
  /** Call statuses in which the callee was never connected: nothing to undo. */
  private static final Set<String> NEVER_CONNECTED = Set.of("canceled", "busy", "failed", "no-answer");

  public VoicePlugin() {
    this(VendorConfig.fromEnvironment(NAME));
  }

  public VoicePlugin(VendorConfig config) {
    super(NAME, config, InDoubtSupport.NONE, TRIGGER);
  }

  @Override
  public boolean compensable(String taskType) {
    return TRIGGER.equals(taskType);
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    requireHandled(context);
    Map<String, String> settings = config.require(ACCOUNT_SID, AUTH_TOKEN);
    String to = VendorPayload.text(payload, "to");
    String from = VendorPayload.optionalText(payload, "from").or(() -> config.get(FROM))
        .orElseThrow(() -> new PermanentTaskException("payload field 'from' is missing and " + VendorConfig.envName(NAME, FROM)
            + " is not set"));
    VendorHttp.Form form = new VendorHttp.Form().add("To", to).add("From", from);
    if (payload.get("twiml") != null) {
      form.add("Twiml", VendorPayload.text(payload, "twiml"));
    } else if (payload.get("say") != null) {
      form.add("Twiml", "<Response><Say>" + xmlEscape(VendorPayload.text(payload, "say")) + "</Say></Response>");
    } else {
      form.add("Url", VendorPayload.optionalText(payload, "url").or(() -> config.get(TWIML_URL))
          .orElseThrow(() -> new PermanentTaskException("payload needs 'url', 'twiml' or 'say' (or set "
              + VendorConfig.envName(NAME, TWIML_URL) + ")")));
    }
    config.get(STATUS_CALLBACK).ifPresent(callback -> form.add("StatusCallback", callback));
    VendorHttp.Response response = http.request(config, "POST", calls(settings, "Calls.json"))
        .basic(settings.get(ACCOUNT_SID), settings.get(AUTH_TOKEN))
        .form(form)
        .send();
    Map<String, Object> call = new LinkedHashMap<>();
    call.put("call_sid", response.requireText(NAME, "a call SID", "sid"));
    call.put("status", response.text("status").orElse("queued"));
    call.put("to", response.text("to").orElse(to));
    call.put("from", response.text("from").orElse(from));
    return Map.of("voice_call", call);
  }

  @Override
  public InDoubtSupport compensationInDoubtSupport(String taskType) {
    return TRIGGER.equals(taskType) ? InDoubtSupport.LOOKUP : inDoubtSupport();
  }

  /** Cancels the call if it is still queued or ringing; an answered call is hung up and fails the compensation. */
  @Override
  public Map<String, Object> compensate(String tenantId, Map<String, Object> payload, Map<String, Object> result,
                                        TaskContext context) throws TaskException {
    if (!TRIGGER.equals(context.action())) {
      return super.compensate(tenantId, payload, result, context);
    }
    Map<String, String> settings = config.require(ACCOUNT_SID, AUTH_TOKEN);
    String callSid = VendorPayload.resultId(result, "voice_call", "call_sid");
    String status = update(settings, callSid, "canceled");
    if (status.equals("in-progress")) {
      update(settings, callSid, "completed");
      throw new PermanentTaskException("voice call " + callSid + " was answered before it could be canceled; it was hung up, "
          + "but the call happened and cannot be undone");
    }
    if (!NEVER_CONNECTED.contains(status)) {
      throw new PermanentTaskException("voice call " + callSid + " is " + status + "; it cannot be canceled any more");
    }
    return Map.of("voice_call_canceled", Map.of("call_sid", callSid, "status", status));
  }

  private String update(Map<String, String> settings, String callSid, String status) throws TaskException {
    VendorHttp.Response response = http.request(config, "POST", calls(settings, "Calls", callSid + ".json"))
        .basic(settings.get(ACCOUNT_SID), settings.get(AUTH_TOKEN))
        .form(new VendorHttp.Form().add("Status", status))
        // setting a call's status again leaves it as it is
        .idempotent(true)
        .send();
    return response.text("status").orElse("unknown");
  }

  private String calls(Map<String, String> settings, String... rest) {
    String[] segments = new String[3 + rest.length];
    segments[0] = "2010-04-01";
    segments[1] = "Accounts";
    segments[2] = settings.get(ACCOUNT_SID);
    System.arraycopy(rest, 0, segments, 3, rest.length);
    return VendorHttp.url(config.get(VendorConfig.BASE_URL, "https://api.twilio.com"), segments);
  }

  private static String xmlEscape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&apos;");
  }
}
