package io.fabric.policy.approvals;

import io.fabric.contracts.TaskRequest;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;

/** Keys, approvers and requests shared by the approval tests. */
final class ApprovalFixtures {
  static final Instant NOW = Instant.parse("2026-11-25T09:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  static final KeyPair ALICE_KEYS = ApproverKeys.newKeyPair();
  static final KeyPair BOB_KEYS = ApproverKeys.newKeyPair();
  static final KeyPair CAROL_KEYS = ApproverKeys.newKeyPair();
  static final KeyPair MALLORY_KEYS = ApproverKeys.newKeyPair();

  /** May approve anything for any tenant. */
  static final Approver ALICE = new Approver("alice", ALICE_KEYS.getPublic(), Set.of("*"), Set.of("*"));
  /** May approve only send_whatsapp, for any tenant. */
  static final Approver BOB = new Approver("bob", BOB_KEYS.getPublic(), Set.of("send_whatsapp"), Set.of("*"));
  /** May approve anything, but only for tenant acme. */
  static final Approver CAROL = new Approver("carol", CAROL_KEYS.getPublic(), Set.of("*"), Set.of("acme"));

  static final ApproverRegistry REGISTRY = ApproverRegistry.of(ALICE, BOB, CAROL);

  private ApprovalFixtures() {}

  static TokenSigner signer(String approver, KeyPair keys) {
    return new TokenSigner(approver, keys.getPrivate(), CLOCK, TokenSigner.DEFAULT_TTL);
  }

  static TaskRequest request(String requestId, String tenant, String action, String payload) {
    return TaskRequest.newBuilder()
        .setRequestId(requestId)
        .setTenantId(tenant)
        .setFlowId("flow-" + requestId)
        .setAction(action)
        .setPayload(payload)
        .setIdempotencyKey("idem-" + requestId)
        .setSubmittedAt(NOW.toEpochMilli())
        .setSource("test")
        .build();
  }

  static TaskRequest chargeRequest() {
    return request("req-1", "acme", "create_charge", "{\"amount\":1200,\"currency\":\"EUR\",\"customer\":\"c-9\"}");
  }
}
