package io.fabric.audit.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric.audit.chain.ChainHash;
import io.fabric.audit.chain.AuditChainReader;
import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.ChainedAuditEvent;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.approvals.SignedTokenVerifier;
import io.fabric.policy.approvals.TokenVerifier;
import io.fabric.policy.identity.SubmitterVerifier;
import io.fabric.schemas.topics.ReservedNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * Checks an evidence pack offline, with nothing but the file: the pack digest over its bytes, each
 * item's SHA-256 and readable copy against its encoded bytes, each audit record's hash from its
 * previous hash and event, the links between audit records of adjacent sequences, each request's
 * submitter signature and each approval token's signature and binding to its request, with the keys
 * the pack carries (the gate's own verifiers do the signature checks). Each check says what it proved.
 */
public final class EvidenceVerifier {
  /** One check: {@code ok} or not, and what it proved (or why it failed). */
  public record Check(boolean ok, String subject, String detail) {
    @Override
    public String toString() {
      return (ok ? "ok    " : "FAIL  ") + subject + ": " + detail;
    }
  }

  /** Every check, and what no check of the pack alone can prove. */
  public record Report(List<Check> checks, List<String> cannotProve) {
    public boolean ok() {
      return !checks.isEmpty() && checks.stream().allMatch(Check::ok);
    }
  }

  static final List<String> CANNOT_PROVE = List.of(
      "that any record in it came from the fabric: a whole pack can be made up (requests, decisions, checkpoints, an audit "
          + "chain from genesis) so that every check passes, since each hash and the pack digest can be recomputed; only signatures "
          + "by keys you trust, and audit hashes that `fabric audit verify` finds on the live chain, tie it to what happened",
      "that the public keys in the pack are the real submitters' and approvers': compare them with your registries",
      "that the pack holds every record of the flow: the exporter chose what to include",
      "that the audit records are members of the chain between two of them (sequence gaps): run `fabric audit verify`, "
          + "and check that its head hash for each partition extends the chain_heads of the pack",
      "who exported the pack: its digest only shows the file is unchanged since it was sealed, by anyone who could recompute it",
      "that an event was true when it was recorded: the chain proves no edit after recording, not what a writer of fabric.audit put there");

  /** The record types each item kind may hold: a kind's checks run by type, so a mislabelled item would skip them. */
  private static final Map<String, Set<String>> TYPES_OF_KIND = Map.of(
      "request", Set.of("TaskRequest"),
      "decision", Set.of("RoutedTask", "BlockedTask", "PendingApproval"),
      "approval", Set.of("ApprovalToken"),
      "checkpoint", Set.of("FlowCheckpoint"),
      "audit", Set.of("ChainedAuditEvent"));

  private static final Duration ANY_LIFETIME = Duration.ofDays(365L * 100);

  private EvidenceVerifier() {}

  /**
   * The offline checks and, per item and chain head, the record the live topics hold at its position
   * ({@link LiveRecordCheck}): what ties the pack to what the fabric wrote.
   */
  public static Report verify(byte[] file, LiveRecordCheck.LiveRecords live) {
    Report offline = verify(file);
    JsonNode pack;
    try {
      pack = PackItems.MAPPER.readTree(file);
    } catch (Exception e) {
      return offline;
    }
    List<Check> checks = new ArrayList<>(offline.checks());
    checks.addAll(LiveRecordCheck.check(pack, live));
    return new Report(checks, CANNOT_PROVE_AGAINST_KAFKA);
  }

  static final List<String> CANNOT_PROVE_AGAINST_KAFKA = List.of(
      "that the pack holds every record of the flow: the exporter chose what to include",
      "anything about records the topics no longer retain (reported as not checked)",
      "that the public keys in the pack are the real submitters' and approvers': compare them with your registries",
      "that an event was true when it was recorded: the chain proves no edit after recording, not what a writer of fabric.audit put there");

  public static Report verify(byte[] file) {
    List<Check> checks = new ArrayList<>();
    Optional<String> digest = PackDigest.check(file);
    checks.add(new Check(digest.isEmpty(), "pack digest", digest.orElse(
        "SHA-256 over every byte before pack_sha256 matches: the file is byte for byte as it was sealed")));
    JsonNode pack;
    try {
      pack = PackItems.MAPPER.readTree(file);
    } catch (Exception e) {
      checks.add(new Check(false, "pack", "not JSON: " + e.getMessage()));
      return new Report(checks, CANNOT_PROVE);
    }
    if (!EvidenceExporter.FORMAT.equals(pack.path("format").asText())) {
      checks.add(new Check(false, "pack", "format is not " + EvidenceExporter.FORMAT));
      return new Report(checks, CANNOT_PROVE);
    }
    String flowId = pack.path("flow_id").asText();
    ApproverRegistry submitters = registry(pack.path("public_keys").path("submitters"), checks, "submitter");
    ApproverRegistry approvers = registry(pack.path("public_keys").path("approvers"), checks, "approver");
    Map<String, List<TaskRequest>> requests = new HashMap<>();
    List<Decoded> decoded = new ArrayList<>();
    int index = 0;
    for (JsonNode item : pack.path("items")) {
      String subject = "item " + index++ + " (" + item.path("kind").asText() + " " + where(item) + ")";
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(item.path("bytes").asText());
      } catch (IllegalArgumentException e) {
        checks.add(new Check(false, subject, "bytes are not base64"));
        continue;
      }
      String sha = ChainHash.hex(ChainHash.sha256(bytes));
      if (!sha.equals(item.path("sha256").asText())) {
        checks.add(new Check(false, subject, "SHA-256 of its bytes is " + sha + ", the pack states " + item.path("sha256").asText()));
        continue;
      }
      String kind = item.path("kind").asText();
      if (!TYPES_OF_KIND.getOrDefault(kind, Set.of()).contains(item.path("type").asText())) {
        checks.add(new Check(false, subject, "a " + kind + " item cannot hold a " + item.path("type").asText()));
        continue;
      }
      SpecificRecord record;
      try {
        record = PackItems.decode(item.path("type").asText(), bytes);
      } catch (RuntimeException e) {
        checks.add(new Check(false, subject, "its bytes are not a " + item.path("type").asText() + ": " + e.getMessage()));
        continue;
      }
      if (!PackItems.readable(record).equals(item.path("record"))) {
        checks.add(new Check(false, subject, "its readable copy differs from its encoded bytes"));
        continue;
      }
      checks.add(new Check(true, subject, "SHA-256 " + sha.substring(0, 16) + "… matches its bytes, and its readable copy is what they encode"));
      decoded.add(new Decoded(subject, item, record));
      if (record instanceof TaskRequest request) {
        requests.computeIfAbsent(request.getRequestId(), id -> new ArrayList<>()).add(request);
      }
    }
    for (Decoded d : decoded) {
      if (d.record() instanceof TaskRequest request) {
        checkRequest(d.subject(), request, flowId, submitters, checks);
      } else if (requestOf(d.record()) != null) {
        checkDecision(d.subject(), requestOf(d.record()), requests, flowId, checks);
      } else if (d.record() instanceof FlowCheckpoint checkpoint && !flowId.equals(checkpoint.getFlowId())) {
        checks.add(new Check(false, d.subject(), "checkpoint of flow " + checkpoint.getFlowId() + ", not " + flowId));
      } else if (d.record() instanceof ApprovalToken token) {
        checkToken(d.subject(), token, requests.getOrDefault(token.getRequestId(), List.of()), approvers, checks);
      } else if (d.record() instanceof ChainedAuditEvent chained) {
        checkAudit(d.subject(), d.item(), chained, flowId, checks);
      }
    }
    checkLinks(decoded, checks);
    return new Report(checks, CANNOT_PROVE);
  }

  private record Decoded(String subject, JsonNode item, SpecificRecord record) {}

  private static String where(JsonNode item) {
    return item.has("topic") ? item.path("topic").asText() + " " + item.path("partition").asText() + "@" + item.path("offset").asText()
        : item.path("type").asText();
  }

  private static ApproverRegistry registry(JsonNode keys, List<Check> checks, String role) {
    List<Approver> list = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = keys.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> key = it.next();
      try {
        // any scope: the pack proves who signed, not what their registry let them do
        list.add(new Approver(key.getKey(), ApproverKeys.parsePublicKey(key.getValue().asText(), role + " " + key.getKey()),
            Set.of(Approver.ANY, ReservedNames.REPLAY_SCOPE, ReservedNames.GATEWAY_SCOPE), Set.of(Approver.ANY)));
      } catch (IllegalArgumentException e) {
        checks.add(new Check(false, role + " key " + key.getKey(), e.getMessage()));
      }
    }
    try {
      return ApproverRegistry.of(list);
    } catch (IllegalArgumentException e) {
      checks.add(new Check(false, role + " keys", e.getMessage()));
      return ApproverRegistry.of(List.of());
    }
  }

  private static void checkRequest(String subject, TaskRequest request, String flowId, ApproverRegistry submitters, List<Check> checks) {
    String who = "request " + request.getRequestId();
    if (!flowId.equals(request.getFlowId())) {
      checks.add(new Check(false, who, "belongs to flow " + request.getFlowId() + ", not " + flowId));
      return;
    }
    if (request.getSubmitterSignature() == null) {
      checks.add(new Check(true, who, "unsigned (the fabric ran without a submitter registry): nothing proves who submitted it"));
      return;
    }
    if (request.getSubmitter() == null) {
      checks.add(new Check(false, who, "carries a submitter signature but names no submitter"));
      return;
    }
    if (submitters.find(request.getSubmitter()).isEmpty()) {
      checks.add(new Check(false, who, "signed by " + request.getSubmitter() + ", whose public key is not in the pack (export with --submitters)"));
      return;
    }
    Optional<SubmitterVerifier.Refusal> refusal = new SubmitterVerifier(submitters).checkStanding(request);
    checks.add(refusal.isEmpty()
        ? new Check(true, who, "signature verifies with " + request.getSubmitter() + "'s key in the pack: they asked for exactly this "
            + "(tenant " + request.getTenantId() + ", action " + request.getAction() + ", payload, time)")
        : new Check(false, who, refusal.get().detail()));
  }

  private static TaskRequest requestOf(SpecificRecord decision) {
    if (decision instanceof RoutedTask r) {
      return r.getRequest();
    }
    if (decision instanceof BlockedTask b) {
      return b.getRequest();
    }
    return decision instanceof PendingApproval p ? p.getRequest() : null;
  }

  /** A decision is on the flow's request, exactly as the pack's request item states it (whose signature is checked). */
  private static void checkDecision(String subject, TaskRequest request, Map<String, List<TaskRequest>> requests, String flowId,
                                    List<Check> checks) {
    if (!flowId.equals(request.getFlowId())) {
      checks.add(new Check(false, subject, "decides request " + request.getRequestId() + " of flow " + request.getFlowId() + ", not " + flowId));
    } else if (!requests.getOrDefault(request.getRequestId(), List.of()).contains(request)) {
      checks.add(new Check(false, subject, "decides a request " + request.getRequestId() + " that differs from every request item of that id"));
    }
  }

  private static void checkToken(String subject, ApprovalToken token, List<TaskRequest> candidates, ApproverRegistry approvers,
                                 List<Check> checks) {
    String who = "token of " + token.getApprover() + " for request " + token.getRequestId();
    if (approvers.find(token.getApprover()).isEmpty()) {
      checks.add(new Check(false, who, "approver " + token.getApprover() + "'s public key is not in the pack (export with --approvers)"));
      return;
    }
    if (candidates.isEmpty()) {
      checks.add(new Check(false, who, "names request " + token.getRequestId() + ", which is not in the pack"));
      return;
    }
    // checked at the moment it was issued: the pack proves what was signed, the gate judged when it was used; a reused
    // request id can put several requests under one id, and the token binds (by payload digest) to one of them
    SignedTokenVerifier verifier = new SignedTokenVerifier(() -> approvers, Duration.ZERO, ANY_LIFETIME);
    TokenVerifier.TokenVerdict verdict = null;
    for (TaskRequest request : candidates) {
      verdict = verifier.verify(token, request, token.getIssuedAt());
      if (verdict.valid()) {
        break;
      }
    }
    checks.add(verdict.valid()
        ? new Check(true, who, "signature verifies with " + token.getApprover() + "'s key in the pack: they decided " + token.getDecision()
            + " on exactly this request and payload (sha256 " + token.getPayloadSha256().substring(0, 16) + "…)")
        : new Check(false, who, verdict.problem()));
  }

  private static void checkAudit(String subject, JsonNode item, ChainedAuditEvent chained, String flowId, List<Check> checks) {
    byte[] previous = ChainHash.bytes(chained.getPreviousHash());
    byte[] hash = ChainHash.bytes(chained.getHash());
    boolean hashOk = previous.length == ChainHash.LENGTH && Arrays.equals(ChainHash.of(previous, ChainHash.bytes(chained.getEvent())), hash);
    if (!hashOk) {
      checks.add(new Check(false, subject, "its hash is not SHA-256(previous hash || event): edited after it was chained"));
      return;
    }
    AuditEvent event;
    try {
      event = AuditChainReader.event(chained);
    } catch (RuntimeException e) {
      checks.add(new Check(false, subject, "its hash holds but its event is not an AuditEvent (" + e.getMessage() + "): the sequencer never "
          + "chains such bytes"));
      return;
    }
    if (!flowId.equals(event.getFlowId()) || item.path("sequence").asLong(-1) != chained.getSequence()
        || !ChainHash.hex(hash).equals(item.path("hash").asText()) || !ChainHash.hex(previous).equals(item.path("previous_hash").asText())
        || !PackItems.readable(event).equals(item.path("event"))) {
      checks.add(new Check(false, subject, "its stated flow, sequence, hashes or event differ from its bytes"));
      return;
    }
    checks.add(new Check(true, subject, "sequence " + chained.getSequence() + ": hash = SHA-256(previous hash || event) holds, so this "
        + event.getType() + " event is the one chained after hash " + ChainHash.hex(previous).substring(0, 16) + "…"));
  }

  private static void checkLinks(List<Decoded> decoded, List<Check> checks) {
    Map<String, ChainedAuditEvent> bySequence = new HashMap<>();
    for (Decoded d : decoded) {
      if (d.record() instanceof ChainedAuditEvent chained) {
        String at = d.item().path("partition").asInt() + ":" + chained.getSequence();
        ChainedAuditEvent other = bySequence.putIfAbsent(at, chained);
        if (other != null) {
          boolean same = Arrays.equals(ChainHash.bytes(other.getHash()), ChainHash.bytes(chained.getHash()));
          checks.add(new Check(false, "audit sequence " + chained.getSequence() + " of partition " + d.item().path("partition").asText(),
              same ? "held twice: a chain holds each sequence once" : "two different records: the chain forked, or one of them is forged"));
        }
      }
    }
    for (Decoded d : decoded) {
      if (d.record() instanceof ChainedAuditEvent chained) {
        ChainedAuditEvent before = bySequence.get(d.item().path("partition").asInt() + ":" + (chained.getSequence() - 1));
        if (before != null) {
          boolean linked = Arrays.equals(ChainHash.bytes(before.getHash()), ChainHash.bytes(chained.getPreviousHash()));
          checks.add(new Check(linked, "audit sequences " + before.getSequence() + "→" + chained.getSequence() + " of partition "
              + d.item().path("partition").asText(), linked ? "linked: nothing was recorded between them"
              : "not linked: one of them is not the record the chain holds"));
        }
      }
    }
  }
}
