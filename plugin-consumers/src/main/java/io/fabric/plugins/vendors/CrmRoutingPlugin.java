package io.fabric.plugins.vendors;

import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code modify_lead_routing}: reassigns a Salesforce Lead (by external id) to another owner through
 * the REST API. It reads the Lead first ({@code GET …/sobjects/Lead/{externalIdField}/{externalId}}),
 * then upserts it by external id ({@code PATCH} on the same path) with the new {@code OwnerId}, the
 * previous owner and the step's key in two text fields of the Lead ({@code Fabric_Previous_Owner__c},
 * {@code Fabric_Routing_Key__c} by default; create them in the org, or name others). Writing both in
 * the same update as the owner makes the change findable: a repeated attempt (in doubt, or after a
 * lost response) that finds its own key on the Lead knows its change landed and which owner it
 * replaced, instead of reading its own owner as "previous" ({@link InDoubtSupport#LOOKUP}). The
 * update carries {@code Sforce-Auto-Assign: FALSE} so the org's assignment rules do not override
 * the owner just set.
 *
 * <p>Compensation restores the previous owner recorded in the step's result, unless the Lead was
 * re-routed since (its owner is no longer the one this step set): undoing then would overwrite
 * someone else's change, so the compensation fails for a person to decide. Restoring is itself
 * keyed ({@code compensate-<request id>}), so a repeated compensation finds it done.
 *
 * <p>Payload: {@code external_id}, {@code owner_id} (a User or Queue id), optional {@code sobject}
 * and {@code external_id_field} (defaults from the configuration). Result: {@code lead_routing:
 * {lead_id, sobject, external_id_field, external_id, owner_id, previous_owner_id, routing_key,
 * recovered}}. The Lead must exist: routing does not create leads.
 */
public final class CrmRoutingPlugin extends VendorPlugin {
  public static final String NAME = "crm-routing";
  public static final String MODIFY = "modify_lead_routing";
  public static final String TOKEN = "token";
  public static final String API_VERSION = "api_version";
  public static final String SOBJECT = "sobject";
  public static final String EXTERNAL_ID_FIELD = "external_id_field";
  public static final String ROUTING_KEY_FIELD = "routing_key_field";
  public static final String PREVIOUS_OWNER_FIELD = "previous_owner_field";
  /** Salesforce record ids: 15 characters, or 18 with the case-safe suffix. */
  private static final Pattern RECORD_ID = Pattern.compile("[A-Za-z0-9]{15}([A-Za-z0-9]{3})?");
  /** A text field holds at most 255 characters. */
  private static final int MAX_KEY_LENGTH = 255;

  /** Where one Lead lives and which fields carry the fabric's bookkeeping. */
  private record LeadPath(String url, String sObject, String externalIdField, String externalId, String keyField,
                          String previousField) {}

  public CrmRoutingPlugin() {
    this(VendorConfig.fromEnvironment(NAME));
  }

  public CrmRoutingPlugin(VendorConfig config) {
    super(NAME, config, InDoubtSupport.LOOKUP, MODIFY);
  }

  @Override
  public boolean compensable(String taskType) {
    return MODIFY.equals(taskType);
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    requireHandled(context);
    Map<String, String> settings = config.require(VendorConfig.BASE_URL, TOKEN);
    LeadPath lead = leadPath(settings, VendorPayload.optionalText(payload, "sobject"), VendorPayload.optionalText(payload, "external_id_field"),
        VendorPayload.text(payload, "external_id"));
    String owner = recordId(VendorPayload.text(payload, "owner_id"), "owner_id");
    String key = IdempotencyKeys.fit(context.idempotencyKey(), MAX_KEY_LENGTH);

    VendorHttp.Response current = read(settings, lead);
    String leadId = current.requireText(NAME, "the record's Id", "Id");
    boolean recovered = key.equals(current.text(lead.keyField()).orElse(null));
    String previous;
    if (recovered) {
      // an earlier attempt of this step landed: its record of the owner it replaced is the truth
      previous = current.text(lead.previousField()).orElse(null);
    } else {
      previous = current.text("OwnerId").orElse(null);
      update(settings, lead, owner, key, previous);
    }
    Map<String, Object> routing = new LinkedHashMap<>();
    routing.put("lead_id", leadId);
    routing.put("sobject", lead.sObject());
    routing.put("external_id_field", lead.externalIdField());
    routing.put("external_id", lead.externalId());
    routing.put("owner_id", owner);
    if (previous != null) {
      routing.put("previous_owner_id", previous);
    }
    routing.put("routing_key", key);
    routing.put("recovered", recovered);
    return Map.of("lead_routing", routing);
  }

  /** Gives the Lead of {@code result} back to its previous owner, unless someone re-routed it since. */
  @Override
  public Map<String, Object> compensate(String tenantId, Map<String, Object> payload, Map<String, Object> result,
                                        TaskContext context) throws TaskException {
    if (!MODIFY.equals(context.action())) {
      return super.compensate(tenantId, payload, result, context);
    }
    Map<String, String> settings = config.require(VendorConfig.BASE_URL, TOKEN);
    String previous = VendorPayload.resultId(result, "lead_routing", "previous_owner_id");
    String owner = VendorPayload.resultId(result, "lead_routing", "owner_id");
    LeadPath lead = leadPath(settings, VendorPayload.resultText(result, "lead_routing", "sobject"),
        VendorPayload.resultText(result, "lead_routing", "external_id_field"), VendorPayload.resultId(result, "lead_routing", "external_id"));
    String key = IdempotencyKeys.fit(context.idempotencyKey(), MAX_KEY_LENGTH);

    VendorHttp.Response current = read(settings, lead);
    String currentOwner = current.text("OwnerId").orElse("");
    boolean alreadyRestored = key.equals(current.text(lead.keyField()).orElse(null));
    if (!alreadyRestored) {
      if (!sameRecordId(currentOwner, owner)) {
        throw new PermanentTaskException(lead.sObject() + " " + lead.externalIdField() + "=" + lead.externalId() + " is now owned by "
            + currentOwner + ", not " + owner + " as this step left it: it was re-routed since, so restoring " + previous
            + " would undo that change; reassign it by hand if it should go back");
      }
      update(settings, lead, previous, key, owner);
    }
    Map<String, Object> restored = new LinkedHashMap<>();
    restored.put("external_id", lead.externalId());
    restored.put("owner_id", previous);
    restored.put("replaced_owner_id", owner);
    return Map.of("lead_routing_restored", restored);
  }

  private VendorHttp.Response read(Map<String, String> settings, LeadPath lead) throws TaskException {
    String fields = String.join(",", "Id", "OwnerId", lead.keyField(), lead.previousField());
    return http.request(config, "GET", lead.url() + "?" + new VendorHttp.Form().add("fields", fields).encode())
        .bearer(settings.get(TOKEN))
        .idempotent(true)
        .send();
  }

  /** One update of owner and bookkeeping together, so they land or fail as one. */
  private void update(Map<String, String> settings, LeadPath lead, String owner, String key, String replaced) throws TaskException {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("OwnerId", owner);
    fields.put(lead.keyField(), key);
    fields.put(lead.previousField(), replaced);
    http.request(config, "PATCH", lead.url())
        .bearer(settings.get(TOKEN))
        .header("Sforce-Auto-Assign", "FALSE")
        .json(fields)
        // an upsert by external id: repeating it sets the same values
        .idempotent(true)
        .send();
  }

  private LeadPath leadPath(Map<String, String> settings, Optional<String> sObject, Optional<String> externalIdField, String externalId)
      throws PermanentTaskException {
    String object = SalesforcePlugin.apiName(sObject.orElse(config.get(SOBJECT, "Lead")), "sobject");
    String field = SalesforcePlugin.apiName(externalIdField.orElse(config.get(EXTERNAL_ID_FIELD, "External_Id__c")), "external_id_field");
    String keyField = SalesforcePlugin.apiName(config.get(ROUTING_KEY_FIELD, "Fabric_Routing_Key__c"), ROUTING_KEY_FIELD);
    String previousField = SalesforcePlugin.apiName(config.get(PREVIOUS_OWNER_FIELD, "Fabric_Previous_Owner__c"), PREVIOUS_OWNER_FIELD);
    String version = config.get(API_VERSION, "60.0").replaceFirst("^[vV]", "");
    String url = VendorHttp.url(settings.get(VendorConfig.BASE_URL), "services", "data", "v" + version, "sobjects", object, field, externalId);
    return new LeadPath(url, object, field, externalId, keyField, previousField);
  }

  private static String recordId(String id, String field) throws PermanentTaskException {
    if (!RECORD_ID.matcher(id).matches()) {
      throw new PermanentTaskException("payload field '" + field + "' must be a Salesforce record id (15 or 18 letters and digits), not '"
          + id + "'");
    }
    return id;
  }

  /** Salesforce answers 18-character ids; a payload may name the 15-character form of the same record. */
  static boolean sameRecordId(String a, String b) {
    return a.length() >= 15 && b.length() >= 15 && a.substring(0, 15).equals(b.substring(0, 15));
  }
}
