package io.fabric.plugins.vendors;

import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Contract intelligence: {@code analyze_contract} runs the local {@link ContractClauses} extractor
 * over the payload text; {@code send_contract_for_signature} creates and sends an envelope through a
 * DocuSign-style eSignature API ({@code POST /restapi/v2.1/accounts/{accountId}/envelopes}).
 *
 * <p>The envelope API takes no idempotency key, so each envelope carries the step's key in a hidden
 * custom field ({@value #KEY_FIELD}); a repeated attempt (in doubt, or after a lost response) first
 * searches the envelopes by that field and returns the one it finds instead of sending a second
 * ({@link InDoubtSupport#LOOKUP}). Compensation voids the envelope; a completed (signed) envelope
 * cannot be voided and fails the compensation.
 *
 * <p>Send payload: {@code signers: [{name, email}]}, the document as {@code text} (sent as a .txt
 * document and analysed) or {@code document_base64} with {@code file_extension}, optional
 * {@code document_name}, {@code subject}, {@code message}. Result: {@code contract_envelope:
 * {envelope_id, status, status_date_time, uri, signers, recovered}} plus {@code contract_analysis}
 * when the text is known. Analyse payload: {@code text}; result {@code contract_analysis}.
 */
public final class ContractPlugin extends VendorPlugin {
  public static final String NAME = "contracts";
  public static final String SEND = "send_contract_for_signature";
  public static final String ANALYZE = "analyze_contract";
  public static final String ACCOUNT_ID = "account_id";
  public static final String TOKEN = "token";
  /** How far back the look-up searches for an envelope sent by an earlier attempt. */
  public static final String LOOKUP_DAYS = "lookup_days";
  static final String KEY_FIELD = "fabric_idempotency_key";
  private static final int MAX_CUSTOM_FIELD_CHARS = 100;

  private final Clock clock;

  public ContractPlugin() {
    this(VendorConfig.fromEnvironment(NAME));
  }

  public ContractPlugin(VendorConfig config) {
    this(config, Clock.systemUTC());
  }

  ContractPlugin(VendorConfig config, Clock clock) {
    super(NAME, config, InDoubtSupport.LOOKUP, SEND, ANALYZE);
    this.clock = clock;
  }

  @Override
  public boolean compensable(String taskType) {
    return SEND.equals(taskType);
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    return switch (context.action()) {
      case ANALYZE -> Map.of("contract_analysis", ContractClauses.analyze(VendorPayload.text(payload, "text")));
      case SEND -> send(payload, context);
      default -> throw doesNotHandle(context);
    };
  }

  private Map<String, Object> send(Map<String, Object> payload, TaskContext context) throws TaskException {
    Map<String, String> settings = config.require(ACCOUNT_ID, TOKEN);
    List<Map<String, Object>> signers = new ArrayList<>();
    List<String> signerEmails = new ArrayList<>();
    int order = 1;
    for (Map<String, Object> signer : VendorPayload.objects(payload, "signers")) {
      String email = VendorPayload.text(signer, "email");
      signers.add(Map.of("recipientId", String.valueOf(order), "routingOrder", String.valueOf(order),
          "name", VendorPayload.text(signer, "name"), "email", email));
      signerEmails.add(email);
      order++;
    }
    Optional<String> text = VendorPayload.optionalText(payload, "text");
    String documentName = VendorPayload.optionalText(payload, "document_name").orElse("Contract");
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("documentId", "1");
    document.put("name", documentName);
    if (text.isPresent()) {
      document.put("fileExtension", "txt");
      document.put("documentBase64", Base64.getEncoder().encodeToString(text.get().getBytes(StandardCharsets.UTF_8)));
    } else {
      document.put("fileExtension", VendorPayload.optionalText(payload, "file_extension").orElse("pdf"));
      document.put("documentBase64", VendorPayload.text(payload, "document_base64"));
    }
    String key = customFieldKey(context.idempotencyKey());
    Map<String, Object> envelope = new LinkedHashMap<>();
    envelope.put("emailSubject", VendorPayload.optionalText(payload, "subject").orElse("Please sign: " + documentName));
    VendorPayload.optionalText(payload, "message").ifPresent(message -> envelope.put("emailBlurb", message));
    envelope.put("documents", List.of(document));
    envelope.put("recipients", Map.of("signers", signers));
    envelope.put("customFields", Map.of("textCustomFields",
        List.of(Map.of("name", KEY_FIELD, "value", key, "show", "false", "required", "false"))));
    envelope.put("status", "sent");

    Map<String, Object> sent = new LinkedHashMap<>();
    Optional<VendorHttp.Response> earlier = context.inDoubt() || context.attempt() > 1 ? findByKey(settings, key) : Optional.empty();
    if (earlier.isPresent()) {
      VendorHttp.Response found = earlier.get();
      sent.put("envelope_id", found.requireText(NAME, "an envelope id", "envelopes", "0", "envelopeId"));
      sent.put("status", found.text("envelopes", "0", "status").orElse("sent"));
      found.text("envelopes", "0", "statusChangedDateTime").ifPresent(at -> sent.put("status_date_time", at));
      found.text("envelopes", "0", "envelopeUri").ifPresent(uri -> sent.put("uri", uri));
      sent.put("recovered", true);
    } else {
      VendorHttp.Response response = http.request(config, "POST", envelopes(settings))
          .bearer(settings.get(TOKEN))
          .json(envelope)
          // a repeat looks the envelope up first (above), so a lost response may be retried
          .idempotent(true)
          .send();
      sent.put("envelope_id", response.requireText(NAME, "an envelope id", "envelopeId"));
      sent.put("status", response.text("status").orElse("sent"));
      response.text("statusDateTime").ifPresent(at -> sent.put("status_date_time", at));
      response.text("uri").ifPresent(uri -> sent.put("uri", uri));
      sent.put("recovered", false);
    }
    sent.put("signers", signerEmails);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("contract_envelope", sent);
    text.ifPresent(t -> result.put("contract_analysis", ContractClauses.analyze(t)));
    return result;
  }

  /** Voids the envelope of {@code result}; an envelope already voided counts as done. */
  @Override
  public Map<String, Object> compensate(String tenantId, Map<String, Object> payload, Map<String, Object> result,
                                        TaskContext context) throws TaskException {
    if (!SEND.equals(context.action())) {
      return super.compensate(tenantId, payload, result, context);
    }
    Map<String, String> settings = config.require(ACCOUNT_ID, TOKEN);
    String envelopeId = VendorPayload.resultId(result, "contract_envelope", "envelope_id");
    String url = envelopes(settings) + "/" + VendorHttp.pathSegment(envelopeId);
    String reason = "Rolled back by Execution Fabric (flow " + context.flowId() + ")";
    if (context.inDoubt() || context.attempt() > 1) {
      VendorHttp.Response current = http.request(config, "GET", url).bearer(settings.get(TOKEN)).idempotent(true).send();
      if ("voided".equals(current.text("status").orElse(""))) {
        return voided(envelopeId, current.text("voidedReason").orElse(reason));
      }
    }
    http.request(config, "PUT", url)
        .bearer(settings.get(TOKEN))
        .json(Map.of("status", "voided", "voidedReason", reason))
        .idempotent(true)
        .send();
    return voided(envelopeId, reason);
  }

  private static Map<String, Object> voided(String envelopeId, String reason) {
    return Map.of("contract_envelope_voided", Map.of("envelope_id", envelopeId, "status", "voided", "voided_reason", reason));
  }

  private Optional<VendorHttp.Response> findByKey(Map<String, String> settings, String key) throws TaskException {
    Duration window = Duration.ofDays(Math.max(1, config.number(LOOKUP_DAYS)));
    String query = new VendorHttp.Form()
        .add("from_date", clock.instant().minus(window).truncatedTo(ChronoUnit.SECONDS).toString())
        .add("custom_field", KEY_FIELD + "=" + key)
        .encode();
    VendorHttp.Response found = http.request(config, "GET", envelopes(settings) + "?" + query)
        .bearer(settings.get(TOKEN))
        .idempotent(true)
        .send();
    return found.text("envelopes", "0", "envelopeId").isPresent() ? Optional.of(found) : Optional.empty();
  }

  private String envelopes(Map<String, String> settings) {
    return VendorHttp.url(config.get(VendorConfig.BASE_URL, "https://demo.docusign.net"),
        "restapi", "v2.1", "accounts", settings.get(ACCOUNT_ID), "envelopes");
  }

  /** Custom field values are short; a long key is replaced by its SHA-256. */
  static String customFieldKey(String key) {
    return IdempotencyKeys.fit(key, MAX_CUSTOM_FIELD_CHARS);
  }
}
