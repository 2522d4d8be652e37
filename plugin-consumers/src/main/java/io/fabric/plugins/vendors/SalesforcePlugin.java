package io.fabric.plugins.vendors;

import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code sync_salesforce}: upserts an sObject by external id through the Salesforce REST API
 * ({@code PATCH /services/data/v{version}/sobjects/{sObject}/{externalIdField}/{externalId}}). An
 * upsert by external id is idempotent at the vendor: repeating it updates the record it created, so
 * in-doubt and timed-out calls are simply repeated ({@link InDoubtSupport#VENDOR_IDEMPOTENCY}). Not
 * compensable: the previous field values are not known.
 *
 * <p>Payload: {@code external_id}, {@code fields} (object), optional {@code sobject} and
 * {@code external_id_field} (defaults from the configuration). Result:
 * {@code salesforce_record: {id, created, sobject, external_id_field, external_id}}.
 */
public final class SalesforcePlugin extends VendorPlugin {
  public static final String NAME = "salesforce";
  public static final String SYNC = "sync_salesforce";
  public static final String TOKEN = "token";
  public static final String API_VERSION = "api_version";
  public static final String SOBJECT = "sobject";
  public static final String EXTERNAL_ID_FIELD = "external_id_field";
  private static final Pattern API_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

  public SalesforcePlugin() {
    this(VendorConfig.fromEnvironment(NAME));
  }

  public SalesforcePlugin(VendorConfig config) {
    super(NAME, config, InDoubtSupport.VENDOR_IDEMPOTENCY, SYNC);
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    requireHandled(context);
    Map<String, String> settings = config.require(VendorConfig.BASE_URL, TOKEN);
    String sObject = apiName(VendorPayload.optionalText(payload, "sobject").orElse(config.get(SOBJECT, "Account")), "sobject");
    String field = apiName(VendorPayload.optionalText(payload, "external_id_field")
        .orElse(config.get(EXTERNAL_ID_FIELD, "External_Id__c")), "external_id_field");
    String externalId = VendorPayload.text(payload, "external_id");
    Map<String, Object> fields = VendorPayload.object(payload, "fields");
    String version = config.get(API_VERSION, "60.0").replaceFirst("^[vV]", "");
    VendorHttp.Response response = http.request(config, "PATCH",
            VendorHttp.url(settings.get(VendorConfig.BASE_URL), "services", "data", "v" + version, "sobjects", sObject, field, externalId))
        .bearer(settings.get(TOKEN))
        .json(fields)
        .idempotent(true)
        .send();
    Map<String, Object> record = new LinkedHashMap<>();
    // 201 = created; 200 = updated (API v46+ answers with a body); 204 = updated, older versions, no body
    if (response.status() == 204) {
      record.put("created", false);
    } else {
      record.put("id", response.requireText(NAME, "a record id", "id"));
      record.put("created", response.text("created").map(Boolean::parseBoolean).orElse(response.status() == 201));
    }
    record.put("sobject", sObject);
    record.put("external_id_field", field);
    record.put("external_id", externalId);
    return Map.of("salesforce_record", record);
  }

  /** {@code name} if it is a Salesforce API name (what a path segment or a field name may be), else a permanent failure naming {@code field}. */
  static String apiName(String name, String field) throws PermanentTaskException {
    if (!API_NAME.matcher(name).matches()) {
      throw new PermanentTaskException("payload field '" + field + "' must be a Salesforce API name (letters, digits, '_'), not '" + name + "'");
    }
    return name;
  }
}
