package io.fabric.schemas.contract;

import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.SchemaRepository;
import io.fabric.schemas.TopicSchemaLookup;
import io.fabric.schemas.identity.RequestStatement;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.records.TraceContext;
import io.fabric.schemas.topics.ReservedNames;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;

/**
 * The parts of {@code docs/kafka-contract.md} that are facts of the code: the topic table, the
 * field tables of the Avro contracts, the fingerprints, the reserved names and a signed test vector.
 * Each part sits between {@code <!-- generated:ID -->} and {@code <!-- end generated:ID -->}; the
 * prose around them is written by hand. {@link KafkaContractDocumentTest} regenerates the parts and
 * fails when the committed document differs.
 */
final class KafkaContractDocument {
  private static final Pattern BLOCK = Pattern.compile(
      "(<!-- generated:([a-z-]+) -->\\n)(.*?)(<!-- end generated:\\2 -->)", Pattern.DOTALL);
  private static final HexFormat HEX = HexFormat.of();

  /**
   * What an outside client does with each topic. Not derivable from the catalog, so a topic added
   * there without a line here fails the test instead of going undocumented.
   */
  static final Map<String, String> OUTSIDE_USE = Map.ofEntries(
      Map.entry("tasks.ingress", "**produce**: the only topic an outside producer writes requests to"),
      Map.entry("tasks.replays", "never: only the DLQ replayer writes it (Kafka ACLs)"),
      Map.entry("tasks.blocked", "consume: requests that will never run, with the reason"),
      Map.entry("tasks.approval-pending", "consume: what waits for a human approval"),
      Map.entry("approvals", "produce: approvers' signed tokens (`fabric approve`; see README, Approvals)"),
      Map.entry("tasks.routed", "never: the gate's output, the router's input"),
      Map.entry("flows.state", "consume: the latest checkpoint of a flow"),
      Map.entry("flows.revisions", "consume: every checkpoint revision"),
      Map.entry("flows.intents", "never: plugin runtimes' crash recovery"),
      Map.entry("requests.status", "**consume**: where each request is, keyed by request id"),
      Map.entry("dlq", "consume: dead letters (operators; `fabric dlq`)"),
      Map.entry("dlq.replays", "never: the replayer's ledger"),
      Map.entry("audit", "consume: security events, policy violations, SLA warnings"),
      Map.entry("audit.chain", "consume: the audit events hash-chained per partition (`fabric audit verify`); only the sequencer writes it"),
      Map.entry("policy", "never: the published policy, read by the gate; only the operator's `fabric policy publish` writes it"),
      Map.entry("breakers", "never: tripped breakers (written by the gate) and approver-signed resets (`fabric breakers reset`); read by the gate, which verifies each reset"),
      Map.entry("schemas", "consume: every writer schema by fingerprint, for a decoder that meets an unknown one"),
      Map.entry("agents.conversations", "consume: every model turn of every agent run as JSON, secrets redacted (`fabric agents runs`); "
          + "only the agents plugin writes it, with the run's checkpoint"));

  /** The fixed inputs of the test vector: RFC 8032's first test key, so anyone can check it. */
  static final String VECTOR_SEED_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
  static final String VECTOR_SUBMITTER = "billing-agent";

  private KafkaContractDocument() {}

  /** Every generated part, by id, in the order they appear in the document. */
  static Map<String, Supplier<String>> parts() {
    Map<String, Supplier<String>> parts = new LinkedHashMap<>();
    parts.put("topics", KafkaContractDocument::topics);
    parts.put("fingerprints", KafkaContractDocument::fingerprints);
    parts.put("task-request-fields", () -> fields(AvroSerde.schemaOf(TaskRequest.class)));
    parts.put("reserved-names", KafkaContractDocument::reservedNames);
    parts.put("statement-vector", KafkaContractDocument::statementVector);
    parts.put("request-status-fields", () -> fields(AvroSerde.schemaOf(RequestStatus.class)));
    parts.put("outcomes", KafkaContractDocument::outcomes);
    parts.put("chained-audit-event-fields", () -> fields(AvroSerde.schemaOf(io.fabric.contracts.ChainedAuditEvent.class)));
    return parts;
  }

  /** The document with every generated part replaced by what the code says now. */
  static String regenerate(String document) {
    Map<String, Supplier<String>> parts = parts();
    Matcher m = BLOCK.matcher(document);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      Supplier<String> part = parts.get(m.group(2));
      if (part == null) {
        throw new IllegalArgumentException("the document has a generated part nobody generates: " + m.group(2));
      }
      m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + part.get() + m.group(4)));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Ids of the generated parts the document has, in order. */
  static List<String> partIds(String document) {
    return BLOCK.matcher(document).results().map(r -> r.group(2)).toList();
  }

  static String topics() {
    TopicCatalog catalog = TopicCatalog.defaults();
    StringBuilder out = new StringBuilder("| topic | key | value | partitions | cleanup | outside clients |\n|---|---|---|---|---|---|\n");
    for (TopicSpec<?, ?> topic : catalog.all()) {
      String suffix = topic.name().substring(catalog.prefix().length());
      String use = OUTSIDE_USE.get(suffix);
      if (use == null) {
        throw new IllegalStateException("TopicCatalog has a topic the contract does not describe: " + topic.name()
            + "; say in KafkaContractDocument.OUTSIDE_USE what an outside client does with it");
      }
      out.append("| `").append(topic.name()).append("` | ").append(keyOf(suffix)).append(" | ").append(valueOf(topic))
          .append(" | ").append(topic.partitions())
          .append(" | ").append(cleanup(topic.config())).append(" | ").append(use).append(" |\n");
    }
    return out.toString();
  }

  private static String keyOf(String suffix) {
    return switch (suffix) {
      case "tasks.ingress", "tasks.replays" -> "`<tenant_id>\\|<idempotency_key>`";
      case "requests.status" -> "request id";
      case "dlq" -> "the failed record's key";
      case "dlq.replays" -> "dead letter id";
      case "agents.conversations" -> "agent run id";
      case "schemas" -> "fingerprint, 16 hex digits";
      case "policy" -> "`active`";
      case "breakers" -> "`tenant:<name>`, `submitter:<name>`, `reset:<scope>`";
      case "audit" -> "flow id, where there is one";
      default -> "flow id";
    };
  }

  private static String valueOf(TopicSpec<?, ?> topic) {
    try (Serde<?> serde = topic.valueSerde()) {
      if (serde instanceof AvroSerde<?> avro) {
        return "Avro `" + avro.schema().getName() + "`";
      }
      if (topic.name().endsWith(".policy")) {
        return "policy YAML (UTF-8)";
      }
      if (topic.name().endsWith(".breakers")) {
        return "JSON (UTF-8): a trip or a signed reset";
      }
      return topic.name().equals(TopicSchemaLookup.SCHEMAS_TOPIC) ? "schema JSON (UTF-8)" : "JSON text (UTF-8)";
    }
  }

  private static String cleanup(Map<String, String> config) {
    String policy = config.getOrDefault(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
    if (policy.equals(TopicConfig.CLEANUP_POLICY_COMPACT)) {
      return "compacted";
    }
    String ms = config.get(TopicConfig.RETENTION_MS_CONFIG);
    if (ms == null) {
      return "delete";
    }
    long millis = Long.parseLong(ms);
    return millis < 0 ? "kept forever" : "delete after " + (millis / 86_400_000L) + " days";
  }

  static String fingerprints() {
    StringBuilder out = new StringBuilder("| schema | fingerprint (hex, as a number) | the 10 header bytes on the wire |\n|---|---|---|\n");
    for (Class<? extends org.apache.avro.specific.SpecificRecord> type : List.of(TaskRequest.class, RequestStatus.class)) {
      Schema current = AvroSerde.schemaOf(type);
      long currentFingerprint = SchemaRepository.fingerprint(current);
      boolean currentReleased = false;
      for (SchemaRepository.ReleasedSchema released : SchemaRepository.released()) {
        if (!released.name().equals(type.getSimpleName())) {
          continue;
        }
        long fingerprint = SchemaRepository.fingerprint(released.schema());
        boolean isCurrent = fingerprint == currentFingerprint;
        currentReleased |= isCurrent;
        out.append("| `").append(released.path()).append('`').append(isCurrent ? " (written today)" : "").append(" | `")
            .append(SchemaRepository.fingerprintHex(fingerprint)).append("` | `").append(spaced(header(fingerprint))).append("` |\n");
      }
      if (!currentReleased) {
        out.append("| ").append(type.getSimpleName()).append(" (current, unreleased) | `").append(SchemaRepository.fingerprintHex(currentFingerprint))
            .append("` | `").append(spaced(header(currentFingerprint))).append("` |\n");
      }
    }
    return out.toString();
  }

  /** Avro single-object header: C3 01, then the CRC-64-AVRO fingerprint, little-endian. */
  static byte[] header(long fingerprint) {
    ByteBuffer header = ByteBuffer.allocate(10).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    header.put((byte) 0xC3).put((byte) 0x01).putLong(fingerprint);
    return header.array();
  }

  static String fields(Schema schema) {
    StringBuilder out = new StringBuilder("| # | field | Avro type | default | meaning |\n|---|---|---|---|---|\n");
    for (Schema.Field field : schema.getFields()) {
      out.append("| ").append(field.pos()).append(" | `").append(field.name()).append("` | ").append(typeOf(field.schema()))
          .append(" | ").append(field.hasDefaultValue() ? "`" + defaultOf(field) + "`" : "required")
          .append(" | ").append(field.doc() == null ? "" : field.doc().replace("|", "\\|")).append(" |\n");
    }
    return out.toString();
  }

  private static String defaultOf(Schema.Field field) {
    Object value = field.defaultVal();
    if (value == org.apache.avro.JsonProperties.NULL_VALUE) {
      return "null";
    }
    if (value instanceof Map<?, ?> map && map.isEmpty()) {
      return "{}";
    }
    return String.valueOf(value);
  }

  private static String typeOf(Schema schema) {
    return switch (schema.getType()) {
      case UNION -> "union {" + schema.getTypes().stream().map(KafkaContractDocument::typeOf).collect(Collectors.joining(", ")) + "}";
      case MAP -> "map of " + typeOf(schema.getValueType());
      case ARRAY -> "array of " + typeOf(schema.getElementType());
      case RECORD, ENUM, FIXED -> "`" + schema.getName() + "` record";
      default -> schema.getType().getName();
    };
  }

  static String reservedNames() {
    return "| name | kind | rule |\n|---|---|---|\n"
        + "| `" + TraceContext.HEADER + "` | header | W3C trace context: send the value of the `traceparent` field; the fabric writes this header on every record it produces: the request's `traceparent`, or, with tracing on (README, Tracing), the context of the span of the hop that wrote the record, in the same trace; the signed field is never rewritten |\n"
        + "| `" + ReservedNames.ATTRIBUTE_PREFIX + "*` | attribute name prefix | set by the fabric only; the gate blocks a request from ingress that carries one (`INVALID_REQUEST`, a `SECURITY_EVENT`) |\n"
        + "| `" + ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE + "` | attribute name | the API-key holder the HTTP gateway acts for; the gate blocks it "
        + "(`UNAUTHORIZED`, a `SECURITY_EVENT`) unless the signing submitter's `actions` list `" + ReservedNames.GATEWAY_SCOPE + "` by name |\n"
        + "| `" + ReservedNames.TENANT_SCOPED_ID_PREFIX + "TENANT:ID` | request id prefix | a request id scoped to TENANT (what the gateway makes of a "
        + "caller-chosen `request_id`); the gate blocks it from any other tenant (`UNAUTHORIZED`, a `SECURITY_EVENT`; with signed requests, no status) |\n"
        + "| `" + ReservedNames.ROLLBACK_ACTION + "` | action | written by the fabric downstream of the gate; not a task type name, so the gate blocks it on ingress |\n"
        + "| `" + ReservedNames.GATE_HEADER_PREFIX + "*` | header prefix | the gate's own verdicts between its stages; stripped from every record the gate reads, so setting one has no effect |\n"
        + ReservedNames.REPLAY_HEADERS.stream().map(h -> "| `" + h + "` | header | provenance the DLQ replayer writes; never trusted by a stage; do not set it |\n")
            .collect(Collectors.joining())
        + "| `" + RequestStatement.LABEL + "` | signature domain | the first string of every request statement |\n";
  }

  /** A request, its statement, its signature and its record bytes, with keys anyone can reproduce. */
  static TaskRequest vectorRequest() {
    return TaskRequest.newBuilder()
        .setRequestId("5f0c6f5e-2d1b-4c7a-9e3f-0a1b2c3d4e5f").setTenantId("acme").setFlowId("5f0c6f5e-2d1b-4c7a-9e3f-0a1b2c3d4e5f")
        .setAction("summarize").setPayload("{\"text\":\"hello\"}").setIdempotencyKey("order-42").setApprovalToken(null)
        .setSubmittedAt(1_767_225_600_000L).setSource("example").setTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        .setFinalStep(false).setAttributes(Map.of("team", "billing")).setSubmitter(VECTOR_SUBMITTER).setSubmitterSignature(null).build();
  }

  static String statementVector() {
    TaskRequest request = vectorRequest();
    String shown = request.toString();
    byte[] statement = RequestStatement.of(request, VECTOR_SUBMITTER);
    byte[] signature = sign(statement);
    request.setSubmitterSignature(ByteBuffer.wrap(signature));
    byte[] record;
    try (AvroSerde<TaskRequest> serde = AvroSerde.of(TaskRequest.class)) {
      record = serde.serialize("fabric.tasks.ingress", request);
    }
    return "```text\n"
        + "private key seed (RFC 8032, test 1): " + VECTOR_SEED_HEX + "\n"
        + "submitter:      " + VECTOR_SUBMITTER + "\n"
        + "request:        " + shown.replace("\"submitter_signature\": null", "\"submitter_signature\": (the signature below)") + "\n"
        + "key:            " + request.getTenantId() + "|" + request.getIdempotencyKey() + "\n"
        + "\nstatement (" + statement.length + " bytes):\n" + dump(statement)
        + "\nsignature (Ed25519, 64 bytes):\n" + dump(signature)
        + "\nrecord value (" + record.length + " bytes: 10-byte header, Avro binary):\n" + dump(record)
        + "```\n";
  }

  private static byte[] sign(byte[] statement) {
    try {
      byte[] pkcs8 = HEX.parseHex("302e020100300506032b657004220420" + VECTOR_SEED_HEX);
      PrivateKey key = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
      Signature ed25519 = Signature.getInstance("Ed25519");
      ed25519.initSign(key);
      ed25519.update(statement);
      return ed25519.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String dump(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    for (int offset = 0; offset < bytes.length; offset += 16) {
      byte[] line = Arrays.copyOfRange(bytes, offset, Math.min(bytes.length, offset + 16));
      out.append(String.format("%04x  %-48s %s%n", offset, spaced(line), ascii(line)));
    }
    return out.toString();
  }

  private static String spaced(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    for (byte b : bytes) {
      out.append(HEX.toHexDigits(b)).append(' ');
    }
    return out.toString().stripTrailing();
  }

  private static String ascii(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    for (byte b : bytes) {
      out.append(b >= 0x20 && b < 0x7F ? (char) b : '.');
    }
    return out.toString().replace("|", "¦");
  }

  static String outcomes() {
    return "- `outcome`: " + Arrays.stream(Outcome.values())
        .map(o -> "`" + o + "`" + (o.terminal() ? "" : " (not final)")).collect(Collectors.joining(", ")) + "\n"
        + "- `reason`: " + Arrays.stream(Reason.values()).map(r -> "`" + r + "`").collect(Collectors.joining(", ")) + "\n";
  }

}
