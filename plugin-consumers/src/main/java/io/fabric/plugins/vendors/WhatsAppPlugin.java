package io.fabric.plugins.vendors;

import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code send_whatsapp} through the WhatsApp Cloud API ({@code POST /v{version}/{phone_number_id}/messages}).
 * A text message by default, or an approved template ({@code template: {name, language}}) for
 * business-initiated conversations. The Cloud API takes no idempotency key and offers no way to
 * look a sent message up, so an in-doubt send is left to a person ({@link InDoubtSupport#NONE}) and a
 * sent message is not compensable.
 *
 * <p>Payload: {@code to} (phone number with country code), {@code text}, optional {@code preview_url},
 * or {@code template}. Result: {@code whatsapp_message: {message_id, to, wa_id, status}}.
 */
public final class WhatsAppPlugin extends VendorPlugin {
  public static final String NAME = "whatsapp";
  public static final String SEND = "send_whatsapp";
  public static final String TOKEN = "token";
  public static final String PHONE_NUMBER_ID = "phone_number_id";
  public static final String API_VERSION = "api_version";

  public WhatsAppPlugin() {
    this(VendorConfig.fromEnvironment(NAME));
  }

  public WhatsAppPlugin(VendorConfig config) {
    super(NAME, config, InDoubtSupport.NONE, SEND);
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    requireHandled(context);
    Map<String, String> settings = config.require(TOKEN, PHONE_NUMBER_ID);
    String to = VendorPayload.text(payload, "to");
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("messaging_product", "whatsapp");
    message.put("to", to);
    Optional<Map<String, Object>> template = VendorPayload.optionalObject(payload, "template");
    if (template.isPresent()) {
      message.put("type", "template");
      message.put("template", Map.of(
          "name", VendorPayload.text(template.get(), "name"),
          "language", Map.of("code", VendorPayload.optionalText(template.get(), "language").orElse("en_US"))));
    } else {
      Map<String, Object> text = new LinkedHashMap<>();
      text.put("body", VendorPayload.text(payload, "text"));
      if (payload.containsKey("preview_url")) {
        text.put("preview_url", VendorPayload.flag(payload, "preview_url", false));
      }
      message.put("type", "text");
      message.put("text", text);
    }
    String version = config.get(API_VERSION, "21.0").replaceFirst("^[vV]", "");
    VendorHttp.Response response = http.request(config, "POST",
            VendorHttp.url(config.get(VendorConfig.BASE_URL, ""), "v" + version, settings.get(PHONE_NUMBER_ID), "messages"))
        .bearer(settings.get(TOKEN))
        .json(message)
        .send();
    Map<String, Object> sent = new LinkedHashMap<>();
    sent.put("message_id", response.requireText(NAME, "a message id", "messages", "0", "id"));
    sent.put("to", to);
    response.text("contacts", "0", "wa_id").ifPresent(waId -> sent.put("wa_id", waId));
    sent.put("status", response.text("messages", "0", "message_status").orElse("accepted"));
    return Map.of("whatsapp_message", sent);
  }
}
