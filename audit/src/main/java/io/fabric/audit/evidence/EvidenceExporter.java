package io.fabric.audit.evidence;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.audit.chain.AuditChainReader;
import io.fabric.audit.chain.ChainHash;
import io.fabric.audit.chain.ChainVerifier;
import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.ChainedAuditEvent;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.approvals.TokenCodec;
import io.fabric.policy.approvals.TokenVerifier;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;

/**
 * Builds a flow's evidence pack: every decision record (with the request it decided on, its submitter
 * signature inside), approval token, checkpoint revision and chained audit record of the flow, each as
 * the exact bytes read from Kafka with their SHA-256 and position, the public keys that verify the
 * signatures, the head of each chain partition at export time and a digest over the whole file. See
 * {@link EvidenceVerifier} for what a pack proves offline.
 */
public final class EvidenceExporter {
  public static final String FORMAT = "fabric.evidence-pack.v1";

  /** Where to read and which keys to put in the pack ({@code approvers}/{@code submitters} may be null). */
  public record Sources(KafkaConnection connection, TopicCatalog catalog, String chainTopic, ApproverRegistry approvers,
                        ApproverRegistry submitters) {}

  /** The pack's text and what it holds, for a summary line. */
  public record Export(String text, Map<String, Integer> itemsByKind) {}

  private EvidenceExporter() {}

  public static Export export(Sources sources, String flowId, Instant now) {
    TopicCatalog catalog = sources.catalog();
    List<ObjectNode> items = new ArrayList<>();
    // every distinct request: a reused request id can carry several (the verifier matches each decision to its own)
    Set<TaskRequest> requests = new LinkedHashSet<>();
    List<ApprovalToken> attachedTokens = new ArrayList<>();
    for (String topic : List.of(catalog.approvalPending.name(), catalog.routed.name(), catalog.blocked.name())) {
      for (AuditChainReader.StoredRecord r : AuditChainReader.readAll(sources.connection(), topic).records()) {
        SpecificRecord decision = decodeOrNull(typeOf(topic, catalog), r.value());
        TaskRequest request = requestOf(decision);
        if (request == null || !flowId.equals(request.getFlowId())) {
          continue;
        }
        items.add(item("decision", topic, r, typeOf(topic, catalog), decision));
        requests.add(request);
        if (decision instanceof RoutedTask routed) {
          attachedTokens.addAll(routed.getApprovals());
        }
      }
    }
    for (TaskRequest request : requests) {
      byte[] bytes = PackItems.encode(request);
      ObjectNode item = base("request", "TaskRequest", bytes, request);
      item.put("from", "the request inside the decision records above, re-encoded");
      items.add(item);
      if (request.getApprovalToken() != null && !request.getApprovalToken().isBlank()) {
        try {
          attachedTokens.add(TokenCodec.decode(request.getApprovalToken()));
        } catch (TokenVerifier.InvalidTokenException e) {
          // an unreadable attached token is in the request itself; the gate's decision says what became of it
        }
      }
    }
    List<String> tokenKeys = new ArrayList<>();
    for (AuditChainReader.StoredRecord r : AuditChainReader.readAll(sources.connection(), catalog.approvals.name()).records()) {
      SpecificRecord token = decodeOrNull("ApprovalToken", r.value());
      if (token instanceof ApprovalToken t && flowId.equals(t.getFlowId())) {
        items.add(item("approval", catalog.approvals.name(), r, "ApprovalToken", t));
        tokenKeys.add(tokenKey(t));
      }
    }
    for (ApprovalToken t : attachedTokens) {
      if (!tokenKeys.contains(tokenKey(t))) {
        tokenKeys.add(tokenKey(t));
        ObjectNode item = base("approval", "ApprovalToken", PackItems.encode(t), t);
        item.put("from", "attached to a request or carried by its routed task");
        items.add(item);
      }
    }
    for (AuditChainReader.StoredRecord r : AuditChainReader.readAll(sources.connection(), catalog.flowRevisions.name()).records()) {
      SpecificRecord checkpoint = decodeOrNull("FlowCheckpoint", r.value());
      if (checkpoint instanceof FlowCheckpoint c && flowId.equals(c.getFlowId())) {
        items.add(item("checkpoint", catalog.flowRevisions.name(), r, "FlowCheckpoint", c));
      }
    }
    // the chain is kept forever: walked as it is read, keeping only this flow's records and each partition's head
    Map<Integer, ChainVerifier> walks = new TreeMap<>();
    List<Integer> chainPartitions = AuditChainReader.forEach(sources.connection(), sources.chainTopic(), r -> {
      walks.computeIfAbsent(r.partition(), ChainVerifier::new).accept(r.offset(), r.value());
      SpecificRecord decoded = decodeOrNull("ChainedAuditEvent", r.value());
      if (!(decoded instanceof ChainedAuditEvent chained)) {
        return;
      }
      AuditEvent event;
      try {
        event = AuditChainReader.event(chained);
      } catch (RuntimeException e) {
        return;
      }
      if (flowId.equals(event.getFlowId())) {
        ObjectNode item = item("audit", sources.chainTopic(), r, "ChainedAuditEvent", chained);
        item.put("sequence", chained.getSequence());
        item.put("previous_hash", ChainHash.hex(chained.getPreviousHash()));
        item.put("hash", ChainHash.hex(chained.getHash()));
        item.set("event", PackItems.readable(event));
        items.add(item);
      }
    });
    ObjectNode pack = PackItems.MAPPER.createObjectNode();
    pack.put("format", FORMAT);
    pack.put("flow_id", flowId);
    pack.put("exported_at", now.toString());
    pack.put("chain_topic", sources.chainTopic());
    ObjectNode keys = pack.putObject("public_keys");
    keys.set("submitters", keysOf(sources.submitters(), items, "submitter"));
    keys.set("approvers", keysOf(sources.approvers(), items, "approver"));
    ArrayNode itemArray = pack.putArray("items");
    Map<String, Integer> counts = new TreeMap<>();
    for (ObjectNode item : items) {
      itemArray.add(item);
      counts.merge(item.get("kind").asText(), 1, Integer::sum);
    }
    ArrayNode heads = pack.putArray("chain_heads");
    for (ChainVerifier.PartitionReport report : chainPartitions.stream()
        .map(p -> walks.computeIfAbsent(p, ChainVerifier::new).finish()).toList()) {
      ObjectNode head = heads.addObject();
      head.put("partition", report.partition());
      if (!report.empty()) {
        head.put("offset", report.lastOffset());
        head.put("sequence", report.lastSequence());
        head.put("hash", report.headHex());
      }
    }
    return new Export(PackDigest.seal(pack), counts);
  }

  private static ObjectNode keysOf(ApproverRegistry registry, List<ObjectNode> items, String field) {
    ObjectNode keys = PackItems.MAPPER.createObjectNode();
    if (registry == null) {
      return keys;
    }
    TreeMap<String, String> found = new TreeMap<>();
    for (ObjectNode item : items) {
      JsonName names = JsonName.of(item, field);
      for (String name : names.values()) {
        registry.find(name).ifPresent(a -> found.put(name, ApproverKeys.publicKeyBase64(a.publicKey())));
      }
    }
    found.forEach(keys::put);
    return keys;
  }

  /** The submitter or approver names an item's readable record carries. */
  private record JsonName(List<String> values) {
    static JsonName of(ObjectNode item, String field) {
      List<String> names = new ArrayList<>();
      item.findValues(field).forEach(v -> {
        if (v.isTextual()) {
          names.add(v.asText());
        }
      });
      return new JsonName(names);
    }
  }

  private static String tokenKey(ApprovalToken t) {
    return t.getRequestId() + "|" + t.getApprover() + "|" + t.getNonce();
  }

  private static String typeOf(String topic, TopicCatalog catalog) {
    if (topic.equals(catalog.approvalPending.name())) {
      return "PendingApproval";
    }
    return topic.equals(catalog.routed.name()) ? "RoutedTask" : "BlockedTask";
  }

  private static TaskRequest requestOf(SpecificRecord decision) {
    if (decision instanceof RoutedTask r) {
      return r.getRequest();
    }
    if (decision instanceof BlockedTask b) {
      return b.getRequest();
    }
    if (decision instanceof PendingApproval p) {
      return p.getRequest();
    }
    return null;
  }

  private static SpecificRecord decodeOrNull(String type, byte[] bytes) {
    try {
      return bytes == null ? null : PackItems.decode(type, bytes);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static ObjectNode item(String kind, String topic, AuditChainReader.StoredRecord r, String type, SpecificRecord decoded) {
    ObjectNode item = base(kind, type, r.value(), decoded);
    item.put("topic", topic);
    item.put("partition", r.partition());
    item.put("offset", r.offset());
    item.put("key", r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8));
    return item;
  }

  private static ObjectNode base(String kind, String type, byte[] bytes, SpecificRecord decoded) {
    ObjectNode item = PackItems.MAPPER.createObjectNode();
    item.put("kind", kind);
    item.put("type", type);
    item.put("sha256", ChainHash.hex(ChainHash.sha256(bytes)));
    item.put("bytes", Base64.getEncoder().encodeToString(bytes));
    item.set("record", PackItems.readable(decoded));
    return item;
  }
}
