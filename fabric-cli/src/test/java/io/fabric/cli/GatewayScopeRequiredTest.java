package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.schemas.topics.ReservedNames;
import java.security.PublicKey;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The gate blocks {@code gateway.principal} from a submitter without {@code fabric.gateway}, so a gateway
 * whose registry entry lacks it would answer 202 to tasks that never run: {@code fabric run} refuses to start.
 */
class GatewayScopeRequiredTest {
  private static final PublicKey KEY = ApproverKeys.newKeyPair().getPublic();

  @Test
  void aGatewayEntryWithTheScopeStarts() {
    assertDoesNotThrow(() -> GatewayOptions.requireGatewayScope(ApproverRegistry.of(
        new Approver("gateway", KEY, Set.of(ReservedNames.GATEWAY_SCOPE, "*"), Set.of("acme"))), "gateway"));
  }

  @Test
  void aStarDoesNotMakeAGateway() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewayOptions.requireGatewayScope(
        ApproverRegistry.of(new Approver("gateway", KEY, Set.of("*"), Set.of("*"))), "gateway"));
    assertTrue(e.getMessage().contains("must list " + ReservedNames.GATEWAY_SCOPE), e.getMessage());
  }

  @Test
  void anUnregisteredGatewayKeyIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GatewayOptions.requireGatewayScope(
        ApproverRegistry.of(new Approver("agent", KEY, Set.of("*"), Set.of("*"))), "http-gateway"));
    assertTrue(e.getMessage().contains("http-gateway"), e.getMessage());
  }
}
