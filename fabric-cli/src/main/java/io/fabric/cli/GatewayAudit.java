package io.fabric.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.audit.chain.AuditChainReader;
import io.fabric.audit.evidence.EvidenceExporter;
import io.fabric.audit.evidence.EvidenceVerifier;
import io.fabric.contracts.AuditEvent;
import io.fabric.gateway.http.AuditDesk;
import io.fabric.gateway.http.QueryParams;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The audit chain and evidence packs behind {@code /v1/audit/*} and {@code /v1/evidence/*}: the readers
 * and views of {@code fabric audit verify/tail} and {@code fabric evidence export/verify --against-kafka}.
 * A pack names the tenants of its records, so the gateway can refuse a flow id two tenants share.
 */
final class GatewayAudit implements AuditDesk {
  static final Set<String> FILTERS = Set.of("type", "flow", "request", "since", "n");
  static final int DEFAULT_EVENTS = 50;
  static final int MAX_EVENTS = 500;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KafkaConnection connection;
  private final TopicCatalog catalog;
  private final ApproverRegistry approvers;
  private final ApproverRegistry submitters;

  /** @param approvers, submitters the registries whose public keys go into a pack; null leaves them out */
  GatewayAudit(KafkaConnection connection, TopicCatalog catalog, ApproverRegistry approvers, ApproverRegistry submitters) {
    this.connection = connection;
    this.catalog = catalog;
    this.approvers = approvers;
    this.submitters = submitters;
  }

  @Override
  public Map<String, Object> chainVerification() {
    return AuditCommand.Verify.verification(connection, catalog.auditChain.name());
  }

  @Override
  public List<Event> events(Map<String, List<String>> filters, Predicate<String> visible) {
    Predicate<AuditEvent> accept = filter(filters, Instant.now()).and(e -> visible.test(e.getTenantId()));
    int count = count(filters);
    List<String> undecodable = new ArrayList<>();
    return AuditCommand.Tail.matching(AuditChainReader.readAll(connection, catalog.auditChain.name()).records(), accept, count, undecodable)
        .stream().map(row -> new Event(row.event().getTenantId(), AuditCommand.Tail.json(row))).toList();
  }

  @Override
  public Optional<Pack> evidence(String flowId) {
    EvidenceExporter.Export export = EvidenceExporter.export(new EvidenceExporter.Sources(connection, catalog,
        catalog.auditChain.name(), approvers, submitters), flowId, Instant.now());
    if (export.itemsByKind().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Pack(tenantsNamed(export.text()), export.text()));
  }

  @Override
  public Map<String, Object> verify(String packText) {
    try (AuditChainReader.LiveReader live = new AuditChainReader.LiveReader(connection)) {
      return EvidenceCommand.Verify.json(EvidenceVerifier.verify(packText.getBytes(StandardCharsets.UTF_8), live));
    }
  }

  /** Every {@code tenant_id} anywhere in the pack (its records' readable copies). */
  static Set<String> tenantsNamed(String packText) {
    Set<String> tenants = new TreeSet<>();
    try {
      collect(JSON.readTree(packText), tenants);
    } catch (IOException e) {
      throw new UncheckedIOException("the exported pack is not JSON", e);
    }
    return tenants;
  }

  private static void collect(JsonNode node, Set<String> tenants) {
    if (node.isObject()) {
      node.fields().forEachRemaining(field -> {
        if (field.getKey().equals("tenant_id") && field.getValue().isTextual()) {
          tenants.add(field.getValue().asText());
        }
        collect(field.getValue(), tenants);
      });
    } else if (node.isArray()) {
      node.forEach(child -> collect(child, tenants));
    }
  }

  static Predicate<AuditEvent> filter(Map<String, List<String>> query, Instant now) {
    QueryParams params = new QueryParams(query, FILTERS);
    List<String> types = params.values("type");
    Optional<String> flow = params.single("flow");
    Optional<String> request = params.single("request");
    long from = params.single("since").map(v -> {
      try {
        return now.minus(Duration.parse(v)).toEpochMilli();
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("since: an ISO-8601 duration such as PT1H, not '" + v + "'");
      }
    }).orElse(Long.MIN_VALUE);
    return e -> (types.isEmpty() || types.contains(e.getType())) && flow.map(f -> f.equals(e.getFlowId())).orElse(true)
        && request.map(r -> r.equals(e.getRequestId())).orElse(true) && e.getAt() >= from;
  }

  static int count(Map<String, List<String>> query) {
    return new QueryParams(query, FILTERS).single("n").map(v -> {
      try {
        int n = Integer.parseInt(v);
        if (n < 1 || n > MAX_EVENTS) {
          throw new NumberFormatException();
        }
        return n;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("n: a number from 1 to " + MAX_EVENTS + ", not '" + v + "'");
      }
    }).orElse(DEFAULT_EVENTS);
  }
}
