package io.fabric.policy.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.policy.approvals.ApproverKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TenantScopeTest {
  @TempDir
  Path dir;

  private Path submitters() throws IOException {
    ApproverKeys.generate("acme-agent", dir);
    ApproverKeys.generate("ops", dir);
    Path file = dir.resolve("submitters.yaml");
    Files.writeString(file, "submitters:\n"
        + "  acme-agent: { public_key_file: acme-agent.pub, actions: [\"*\"], tenants: [acme, acme-eu] }\n"
        + "  ops: { public_key_file: ops.pub, actions: [\"*\"], tenants: [\"*\"] }\n");
    return file;
  }

  @Test
  void withoutTenantsOrAnIdentityEveryTenantIsShownButARecordWithoutTenantOnlyThen() {
    TenantScope scope = TenantScope.resolve(List.of(), null, null, null);
    assertTrue(scope.unrestricted());
    assertTrue(scope.allows("acme") && scope.allows(null));
    TenantScope acme = TenantScope.resolve(List.of("acme"), null, null, null);
    assertTrue(acme.allows("acme"));
    assertFalse(acme.allows("globex") || acme.allows(null));
  }

  @Test
  void asASubmitterNarrowsToItsTenants() throws IOException {
    Path registry = submitters();
    assertEquals(Set.of("acme", "acme-eu"), TenantScope.resolve(List.of(), "acme-agent", registry, null).tenants());
    assertEquals(Set.of("acme"), TenantScope.resolve(List.of("acme", "globex"), "acme-agent", registry, null).tenants());
    assertTrue(TenantScope.resolve(List.of(), "ops", registry, null).unrestricted(), "\"*\" is every tenant");
  }

  @Test
  void anIdentityThatCannotBeResolvedOrTenantsOutsideItAreRefused() throws IOException {
    Path registry = submitters();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TenantScope.resolve(List.of("globex"), "acme-agent", registry, null))
        .getMessage().contains("outside the tenants of acme-agent"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TenantScope.resolve(List.of(), "ghost", registry, null))
        .getMessage().contains("no such submitter"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> TenantScope.resolve(List.of(), "acme-agent", null, null))
        .getMessage().contains("needs the registry"));
  }
}
