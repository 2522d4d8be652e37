package io.fabric.policy.approvals;

import io.fabric.contracts.ApprovalToken;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Everything an {@link ApprovalToken} states except its signature, and the exact bytes an
 * approver's Ed25519 key signs.
 *
 * <p>The bytes must be unambiguous, so that no two different statements (say request {@code "ab"},
 * tenant {@code "c"} versus request {@code "a"}, tenant {@code "bc"}) sign the same bytes, and they
 * must not depend on how Avro or any library happens to encode the record. Layout, version 1:
 *
 * <pre>
 *   str("fabric.approval-token.v1")
 *   str(request_id) str(tenant_id) str(flow_id) str(action) str(payload_sha256)
 *   str(approver) str(decision) str(reason)
 *   i64(issued_at) i64(expires_at)
 *   str(nonce)
 *
 *   str(s) = 4-byte big-endian length of UTF-8(s), then UTF-8(s)
 *   i64(n) = 8-byte big-endian two's complement
 * </pre>
 *
 * The leading label keeps a signature made for this purpose from being valid for anything else
 * the same key might sign, and lets a future layout coexist with this one.
 */
public record TokenStatement(
    String requestId,
    String tenantId,
    String flowId,
    String action,
    String payloadSha256,
    String approver,
    String decision,
    String reason,
    long issuedAtMillis,
    long expiresAtMillis,
    String nonce) {

  /** Domain-separation label, the first field of the signed bytes. */
  public static final String LABEL = "fabric.approval-token.v1";

  /**
   * @throws IllegalArgumentException when a field is missing
   */
  public TokenStatement {
    requirePresent(requestId, "request_id");
    requirePresent(tenantId, "tenant_id");
    requirePresent(flowId, "flow_id");
    requirePresent(action, "action");
    requirePresent(payloadSha256, "payload_sha256");
    requirePresent(approver, "approver");
    requirePresent(decision, "decision");
    requirePresent(reason, "reason");
    requirePresent(nonce, "nonce");
  }

  /**
   * The statement a token makes.
   *
   * @throws IllegalArgumentException when the token lacks a field
   */
  public static TokenStatement of(ApprovalToken token) {
    return new TokenStatement(token.getRequestId(), token.getTenantId(), token.getFlowId(), token.getAction(),
        token.getPayloadSha256(), token.getApprover(), token.getDecision(), token.getReason(),
        token.getIssuedAt(), token.getExpiresAt(), token.getNonce());
  }

  /**
   * The bytes to sign and verify.
   *
   * @throws IllegalArgumentException when a field is not valid Unicode (a lone surrogate), which
   *     UTF-8 could only encode lossily
   */
  public byte[] toBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    writeString(out, LABEL, "label");
    writeString(out, requestId, "request_id");
    writeString(out, tenantId, "tenant_id");
    writeString(out, flowId, "flow_id");
    writeString(out, action, "action");
    writeString(out, payloadSha256, "payload_sha256");
    writeString(out, approver, "approver");
    writeString(out, decision, "decision");
    writeString(out, reason, "reason");
    writeLong(out, issuedAtMillis);
    writeLong(out, expiresAtMillis);
    writeString(out, nonce, "nonce");
    return out.toByteArray();
  }

  /** The token this statement makes once signed. */
  public ApprovalToken withSignature(byte[] signature) {
    return ApprovalToken.newBuilder()
        .setRequestId(requestId)
        .setTenantId(tenantId)
        .setFlowId(flowId)
        .setAction(action)
        .setPayloadSha256(payloadSha256)
        .setApprover(approver)
        .setDecision(decision)
        .setReason(reason)
        .setIssuedAt(issuedAtMillis)
        .setExpiresAt(expiresAtMillis)
        .setNonce(nonce)
        .setSignature(ByteBuffer.wrap(signature.clone()))
        .build();
  }

  private static void requirePresent(String value, String field) {
    if (value == null) {
      throw new IllegalArgumentException("token field " + field + " is missing");
    }
  }

  private static void writeString(ByteArrayOutputStream out, String value, String field) {
    ByteBuffer utf8;
    try {
      utf8 = StandardCharsets.UTF_8.newEncoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .encode(CharBuffer.wrap(value));
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("token field " + field + " is not valid Unicode", e);
    }
    int length = utf8.remaining();
    writeInt(out, length);
    out.write(utf8.array(), utf8.arrayOffset() + utf8.position(), length);
  }

  private static void writeInt(ByteArrayOutputStream out, int value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.write(value >>> shift);
    }
  }

  private static void writeLong(ByteArrayOutputStream out, long value) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.write((int) (value >>> shift));
    }
  }
}
