package io.fabric.plugins.vendors;

import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code webhook}: POSTs a JSON event to the configured URL, signed with HMAC-SHA256 in the
 * {@value WebhookSignature#HEADER} header ({@link WebhookSignature}) and carrying the step's
 * {@code Idempotency-Key}. The contract with receivers is that they process one key once (as with
 * Stripe's event ids), which makes repeats safe ({@link InDoubtSupport#VENDOR_IDEMPOTENCY}); set
 * {@code receiver_deduplicates=false} for a receiver that does not, and in-doubt deliveries go to a
 * person instead. The URL is configuration only, never taken from a payload (an agent must not
 * choose where data goes), and is kept out of messages and results since webhook URLs often embed
 * a token.
 *
 * <p>Body: {@code {idempotency_key, type, created, tenant_id, flow_id, request_id, data}} with
 * {@code type} from payload {@code event} (default {@code fabric.task}) and {@code data} from payload
 * {@code data} (default the whole payload). Result: {@code webhook_delivery: {status_code, host,
 * signed_at, idempotency_key, type}}.
 */
public final class WebhookPlugin extends VendorPlugin {
  public static final String NAME = "webhook";
  public static final String TASK = "webhook";
  public static final String URL = "url";
  public static final String SECRET = "secret";
  public static final String RECEIVER_DEDUPLICATES = "receiver_deduplicates";

  private final Clock clock;

  public WebhookPlugin() {
    this(VendorConfig.fromEnvironment(NAME));
  }

  public WebhookPlugin(VendorConfig config) {
    this(config, Clock.systemUTC());
  }

  WebhookPlugin(VendorConfig config, Clock clock) {
    // the NONE given here is not used: inDoubtSupport() below decides by the live setting
    super(NAME, config, InDoubtSupport.NONE, TASK);
    this.clock = clock;
  }

  /** Depends on {@value #RECEIVER_DEDUPLICATES}, read live like the rest of the configuration. */
  @Override
  public InDoubtSupport inDoubtSupport() {
    try {
      return config.flag(RECEIVER_DEDUPLICATES) ? InDoubtSupport.VENDOR_IDEMPOTENCY : InDoubtSupport.NONE;
    } catch (PermanentTaskException e) {
      // an unreadable setting must not let a delivery be repeated blindly; execute reports the setting
      return InDoubtSupport.NONE;
    }
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    requireHandled(context);
    Map<String, String> settings = config.require(URL, SECRET);
    boolean receiverDeduplicates = config.flag(RECEIVER_DEDUPLICATES);
    String host = host(settings.get(URL));
    String type = VendorPayload.optionalText(payload, "event").orElse("fabric.task");
    long timestamp = clock.instant().getEpochSecond();
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("idempotency_key", context.idempotencyKey());
    event.put("type", type);
    event.put("created", timestamp);
    event.put("tenant_id", tenantId);
    event.put("flow_id", context.flowId());
    event.put("request_id", context.requestId());
    event.put("data", payload.containsKey("data") ? payload.get("data") : payload);
    String body;
    try {
      body = VendorHttp.JSON.writeValueAsString(event);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new PermanentTaskException(NAME + ": the payload cannot be written as JSON: " + e.getOriginalMessage());
    }
    VendorHttp.Response response = http.request(config, "POST", settings.get(URL))
        .label("POST to " + host)
        .idempotencyKey(context.idempotencyKey())
        .header(WebhookSignature.HEADER, WebhookSignature.sign(settings.get(SECRET), timestamp, body))
        .body("application/json", body)
        .idempotent(receiverDeduplicates)
        .send();
    Map<String, Object> delivery = new LinkedHashMap<>();
    delivery.put("status_code", response.status());
    delivery.put("host", host);
    delivery.put("signed_at", timestamp);
    delivery.put("idempotency_key", context.idempotencyKey());
    delivery.put("type", type);
    return Map.of("webhook_delivery", delivery);
  }

  private static String host(String url) throws PermanentTaskException {
    try {
      URI uri = URI.create(url);
      if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
        throw new IllegalArgumentException();
      }
      return uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    } catch (IllegalArgumentException e) {
      throw new PermanentTaskException(NAME + " plugin: " + VendorConfig.envName(NAME, URL) + " must be an absolute http(s) URL");
    }
  }
}
