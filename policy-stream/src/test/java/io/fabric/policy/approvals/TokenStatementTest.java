package io.fabric.policy.approvals;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric.contracts.ApprovalToken;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TokenStatementTest {
  private static TokenStatement statement(String requestId, String tenantId, String reason) {
    return new TokenStatement(requestId, tenantId, "flow-1", "create_charge", "ab12", "alice", "APPROVE", reason,
        1_000L, 2_000L, "nonce-1");
  }

  @Test
  void fieldBoundariesAreUnambiguous() {
    byte[] split1 = statement("ab", "c", "").toBytes();
    byte[] split2 = statement("a", "bc", "").toBytes();

    assertFalse(Arrays.equals(split1, split2));
  }

  @Test
  void everyFieldIsSigned() {
    TokenStatement base = statement("req-1", "acme", "ok");
    TokenStatement[] variants = {
        new TokenStatement("req-2", "acme", "flow-1", "create_charge", "ab12", "alice", "APPROVE", "ok", 1_000L, 2_000L, "nonce-1"),
        new TokenStatement("req-1", "acmf", "flow-1", "create_charge", "ab12", "alice", "APPROVE", "ok", 1_000L, 2_000L, "nonce-1"),
        new TokenStatement("req-1", "acme", "flow-2", "create_charge", "ab12", "alice", "APPROVE", "ok", 1_000L, 2_000L, "nonce-1"),
        new TokenStatement("req-1", "acme", "flow-1", "send_whatsapp", "ab12", "alice", "APPROVE", "ok", 1_000L, 2_000L, "nonce-1"),
        new TokenStatement("req-1", "acme", "flow-1", "create_charge", "ab13", "alice", "APPROVE", "ok", 1_000L, 2_000L, "nonce-1"),
        new TokenStatement("req-1", "acme", "flow-1", "create_charge", "ab12", "alicf", "APPROVE", "ok", 1_000L, 2_000L, "nonce-1"),
        new TokenStatement("req-1", "acme", "flow-1", "create_charge", "ab12", "alice", "REJECT", "ok", 1_000L, 2_000L, "nonce-1"),
        new TokenStatement("req-1", "acme", "flow-1", "create_charge", "ab12", "alice", "APPROVE", "ok!", 1_000L, 2_000L, "nonce-1"),
        new TokenStatement("req-1", "acme", "flow-1", "create_charge", "ab12", "alice", "APPROVE", "ok", 1_001L, 2_000L, "nonce-1"),
        new TokenStatement("req-1", "acme", "flow-1", "create_charge", "ab12", "alice", "APPROVE", "ok", 1_000L, 2_001L, "nonce-1"),
        new TokenStatement("req-1", "acme", "flow-1", "create_charge", "ab12", "alice", "APPROVE", "ok", 1_000L, 2_000L, "nonce-2"),
    };
    for (TokenStatement variant : variants) {
      assertFalse(Arrays.equals(base.toBytes(), variant.toBytes()), variant.toString());
    }
  }

  @Test
  void bytesStartWithTheLengthPrefixedLabel() {
    byte[] bytes = statement("r", "t", "").toBytes();

    assertEquals(TokenStatement.LABEL.length(), bytes[3]);
    assertEquals(TokenStatement.LABEL, new String(bytes, 4, TokenStatement.LABEL.length(), java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void aTokenStatesWhatItWasSignedFrom() {
    TokenStatement statement = statement("req-1", "acme", "looks right");
    ApprovalToken token = statement.withSignature(new byte[] {1, 2, 3});

    assertEquals(statement, TokenStatement.of(token));
    assertArrayEquals(statement.toBytes(), TokenStatement.of(token).toBytes());
  }

  @Test
  void refusesFieldsUtf8CannotCarry() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> statement("req-1", "acme", "bad \ud800 reason").toBytes());

    assertEquals("token field reason is not valid Unicode", e.getMessage());
  }

  @Test
  void refusesMissingFields() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> statement(null, "acme", ""));

    assertEquals("token field request_id is missing", e.getMessage());
  }
}
