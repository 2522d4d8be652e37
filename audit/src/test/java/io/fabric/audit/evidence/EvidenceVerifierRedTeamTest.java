package io.fabric.audit.evidence;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.audit.chain.ChainHash;
import io.fabric.audit.chain.ChainHead;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.ChainedAuditEvent;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.AvroSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * Red-team cases for {@code fabric evidence verify}: packs built by hand (the digest is recomputable by anyone), each
 * checking one thing the verifier must refuse, or must at least say it cannot prove.
 */
class EvidenceVerifierRedTeamTest {
  private static final String FLOW = "flow-victim";
  private static final AvroSerde<AuditEvent> EVENTS = AvroSerde.of(AuditEvent.class);

  private static TaskRequest request(String id, String flow) {
    return TaskRequest.newBuilder().setRequestId(id).setTenantId("acme").setFlowId(flow).setAction("create_charge")
        .setPayload("{\"amount\":1}").setIdempotencyKey("idem-" + id).setSubmittedAt(1_790_000_000_000L).setSource("cli").build();
  }

  private static RoutedTask routed(TaskRequest request) {
    return RoutedTask.newBuilder().setRequest(request).setDecision(PolicyDecision.newBuilder().setActionClass("A")
        .setRule("default:class-a").setPolicyVersion("v1").setDecidedAt(1L).build()).build();
  }

  private static FlowCheckpoint checkpoint(String flow) {
    return FlowCheckpoint.newBuilder().setFlowId(flow).setTenantId("acme").setRevisionId("r1").setAt("2026-01-01T00:00:00Z")
        .setNote("n").setStatus("RUNNING").setState("{}").build();
  }

  private static byte[] auditEvent(String id, String flow, String type) {
    return EVENTS.serialize("t", AuditEvent.newBuilder().setId(id).setAt(1L).setType(type).setFlowId(flow).setDetail("d").build());
  }

  private static ObjectNode item(String kind, String type, byte[] bytes, SpecificRecord decoded) {
    ObjectNode item = PackItems.MAPPER.createObjectNode();
    item.put("kind", kind);
    item.put("type", type);
    item.put("sha256", ChainHash.hex(ChainHash.sha256(bytes)));
    item.put("bytes", Base64.getEncoder().encodeToString(bytes));
    item.set("record", PackItems.readable(decoded));
    item.put("topic", "fabric.x");
    item.put("partition", 0);
    item.put("offset", 0);
    return item;
  }

  private static ObjectNode item(String kind, SpecificRecord record) {
    return item(kind, record.getClass().getSimpleName(), PackItems.encode(record), record);
  }

  private static ObjectNode audit(ChainedAuditEvent chained, SpecificRecord readableEvent) {
    ObjectNode item = item("audit", chained);
    item.put("sequence", chained.getSequence());
    item.put("previous_hash", ChainHash.hex(chained.getPreviousHash()));
    item.put("hash", ChainHash.hex(chained.getHash()));
    item.set("event", readableEvent == null ? PackItems.MAPPER.nullNode() : PackItems.readable(readableEvent));
    return item;
  }

  private static ObjectNode audit(ChainedAuditEvent chained) {
    return audit(chained, EVENTS.deserialize("t", ChainHash.bytes(chained.getEvent())));
  }

  private static byte[] pack(List<ObjectNode> items) {
    return pack(items, java.util.Map.of());
  }

  private static byte[] pack(List<ObjectNode> items, java.util.Map<String, java.security.PublicKey> submitters) {
    ObjectNode pack = PackItems.MAPPER.createObjectNode();
    pack.put("format", EvidenceExporter.FORMAT);
    pack.put("flow_id", FLOW);
    pack.put("exported_at", "2026-12-01T00:00:00Z");
    pack.put("chain_topic", "fabric.audit.chain");
    ObjectNode keys = pack.putObject("public_keys");
    ObjectNode submitterKeys = keys.putObject("submitters");
    submitters.forEach((name, key) -> submitterKeys.put(name, io.fabric.policy.approvals.ApproverKeys.publicKeyBase64(key)));
    keys.putObject("approvers");
    ArrayNode array = pack.putArray("items");
    items.forEach(array::add);
    pack.putArray("chain_heads");
    return PackDigest.seal(pack).getBytes(StandardCharsets.UTF_8);
  }

  private static String describe(EvidenceVerifier.Report report) {
    StringBuilder text = new StringBuilder();
    report.checks().forEach(c -> text.append(c).append('\n'));
    return text.toString();
  }

  @Test
  void aDecisionOfAnotherFlowFailsThePack() {
    TaskRequest ours = request("r-1", FLOW);
    EvidenceVerifier.Report report = EvidenceVerifier.verify(pack(List.of(item("request", ours),
        item("decision", routed(request("r-other", "flow-other"))))));
    assertFalse(report.ok(), "a routed decision of flow-other verified in a pack of " + FLOW + ":\n" + describe(report));
  }

  @Test
  void aCheckpointOfAnotherFlowFailsThePack() {
    EvidenceVerifier.Report report = EvidenceVerifier.verify(pack(List.of(item("request", request("r-1", FLOW)),
        item("checkpoint", checkpoint("flow-other")))));
    assertFalse(report.ok(), "a checkpoint of flow-other verified in a pack of " + FLOW + ":\n" + describe(report));
  }

  @Test
  void aDecisionWhoseRequestDiffersFromTheRequestItemFailsThePack() {
    // the request item says amount 1; the routed decision that claims to have run it carries amount 1000000
    TaskRequest ours = request("r-1", FLOW);
    TaskRequest inflated = TaskRequest.newBuilder(ours).setPayload("{\"amount\":1000000}").build();
    EvidenceVerifier.Report report = EvidenceVerifier.verify(pack(List.of(item("request", ours), item("decision", routed(inflated)))));
    assertFalse(report.ok(), "a decision on a different payload than the request item verified:\n" + describe(report));
  }

  @Test
  void anAuditItemThatIsNotAChainedRecordFailsThePack() {
    // kind "audit" but type AuditEvent: a bare, never-chained event skips every chain check
    byte[] bare = auditEvent("e-1", FLOW, "APPROVAL_GRANTED");
    ObjectNode item = item("audit", "AuditEvent", bare, EVENTS.deserialize("t", bare));
    EvidenceVerifier.Report report = EvidenceVerifier.verify(pack(List.of(item("request", request("r-1", FLOW)), item)));
    assertFalse(report.ok(), "an unchained audit event verified as an audit item:\n" + describe(report));
  }

  @Test
  void twoDifferentAuditRecordsAtOneSequenceOfOnePartitionFailThePack() {
    ChainedAuditEvent first = ChainHead.genesis().link(auditEvent("e-0", FLOW, "TOKEN_ACCEPTED"), 0, 0);
    ChainedAuditEvent next = ChainHead.after(first).link(auditEvent("e-1", FLOW, "APPROVAL_GRANTED"), 0, 1);
    ChainedAuditEvent fork = ChainHead.after(first).link(auditEvent("e-1b", FLOW, "APPROVAL_REJECTED"), 0, 1);
    EvidenceVerifier.Report report = EvidenceVerifier.verify(pack(List.of(item("request", request("r-1", FLOW)),
        audit(first), audit(next), audit(fork))));
    assertFalse(report.ok(), "a forked chain (two records at sequence 1) verified:\n" + describe(report));
  }

  @Test
  void aChainedRecordWhoseEventBytesDoNotDecodeIsAFailedCheckNotACrash() {
    byte[] garbage = "not an avro event".getBytes(StandardCharsets.UTF_8);
    ChainedAuditEvent chained = ChainHead.genesis().link(garbage, 0, 0);
    byte[] file = pack(List.of(item("request", request("r-1", FLOW)), audit(chained, null)));
    EvidenceVerifier.Report report = EvidenceVerifier.verify(file);
    assertFalse(report.ok(), describe(report));
  }

  @Test
  void aPackBuiltFromNothingVerifiesSoTheReportMustSayNothingInItIsAuthenticatedWithoutKeysOrTheLiveChain() {
    // Given a pack made up from scratch for the victim's flow: an unsigned request, a routed decision, and an audit
    // chain from genesis saying it was approved; the attacker computed every SHA-256 and the pack digest
    TaskRequest request = request("r-1", FLOW);
    ChainedAuditEvent granted = ChainHead.genesis().link(auditEvent("e-0", FLOW, "APPROVAL_GRANTED"), 0, 0);
    EvidenceVerifier.Report report = EvidenceVerifier.verify(pack(List.of(item("request", request), item("decision", routed(request)),
        audit(granted))));

    // Then every check passes (nothing in the pack is signed or anchored), so what the report cannot prove must say so
    assertTrue(report.ok(), describe(report));
    assertTrue(report.cannotProve().stream().anyMatch(line -> line.contains("made up")),
        "the report does not warn that a pack can be made up whole: " + report.cannotProve());
    assertTrue(report.cannotProve().stream().anyMatch(line -> line.contains("fabric audit verify") && line.contains("hash")),
        report.cannotProve().toString());
  }

  /** The pack proves who signed, not what their registry allowed: a request the gateway signed for its caller verifies. */
  @Test
  void aRequestTheGatewaySignedForItsCallerVerifies() throws Exception {
    java.security.KeyPair gateway = io.fabric.policy.approvals.ApproverKeys.newKeyPair();
    TaskRequest unsigned = TaskRequest.newBuilder(request("r-1", FLOW)).setSubmitter("gateway")
        .setAttributes(java.util.Map.of(io.fabric.schemas.topics.ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE, "acme-billing")).build();
    java.security.Signature ed25519 = java.security.Signature.getInstance("Ed25519");
    ed25519.initSign(gateway.getPrivate());
    ed25519.update(io.fabric.schemas.identity.RequestStatement.of(unsigned, "gateway"));
    TaskRequest signed = TaskRequest.newBuilder(unsigned).setSubmitterSignature(ByteBuffer.wrap(ed25519.sign())).build();

    EvidenceVerifier.Report report = EvidenceVerifier.verify(pack(List.of(item("request", signed)), java.util.Map.of("gateway", gateway.getPublic())));
    assertTrue(report.ok(), describe(report));
  }

  @Test
  void aSignedRequestNamingNoSubmitterIsAFailedCheckNotACrash() {
    TaskRequest signedByNobody = TaskRequest.newBuilder(request("r-1", FLOW)).setSubmitterSignature(ByteBuffer.wrap(new byte[64])).build();
    EvidenceVerifier.Report report = EvidenceVerifier.verify(pack(List.of(item("request", signedByNobody))));
    assertFalse(report.ok(), describe(report));
  }

  @Test
  void againstTheLiveTopicsAMadeUpPackFailsAndTheGenuineOneVerifies() {
    TaskRequest request = request("r-1", FLOW);
    ChainedAuditEvent granted = ChainHead.genesis().link(auditEvent("e-0", FLOW, "APPROVAL_GRANTED"), 0, 0);
    byte[] pack = pack(List.of(item("request", request), audit(granted)));

    // the topics hold other records at those positions: the fabric never wrote these
    EvidenceVerifier.Report forged = EvidenceVerifier.verify(pack, (topic, partition, offset) ->
        new LiveRecordCheck.Live.Found(PackItems.encode(request("r-other", "another-flow"))));
    assertFalse(forged.ok(), describe(forged));
    // nothing at all there
    assertFalse(EvidenceVerifier.verify(pack, (topic, partition, offset) -> new LiveRecordCheck.Live.Absent()).ok());

    // the topics hold exactly these bytes (the request's on its topic, the chained record on the chain)
    List<byte[]> live = List.of(PackItems.encode(request), PackItems.encode(granted));
    int[] next = {0};
    EvidenceVerifier.Report genuine = EvidenceVerifier.verify(pack, (topic, partition, offset) -> new LiveRecordCheck.Live.Found(live.get(next[0]++)));
    assertTrue(genuine.ok(), describe(genuine));
    assertTrue(genuine.checks().stream().anyMatch(c -> c.subject().contains("live") && c.detail().contains("the one the fabric wrote")));

    // a record the topic no longer retains is not checked, and says so
    EvidenceVerifier.Report expired = EvidenceVerifier.verify(pack, (topic, partition, offset) -> new LiveRecordCheck.Live.NotRetained(10));
    assertTrue(expired.checks().stream().anyMatch(c -> c.detail().contains("not checked")), describe(expired));
  }
}
