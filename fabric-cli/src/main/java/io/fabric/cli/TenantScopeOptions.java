package io.fabric.cli;

import io.fabric.policy.identity.TenantScope;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code --tenant T} (repeatable) and {@code --as NAME} for the commands that read a tenant's data
 * ({@code status}, {@code flows show}, {@code approvals list}): what is outside the scope is hidden
 * from a list and answered like a missing id by a command that shows one thing.
 */
final class TenantScopeOptions {
  @Option(names = "--tenant", paramLabel = "TENANT", split = ",", description = "Only these tenants' data (repeat or comma-separate).")
  List<String> tenants = new ArrayList<>();

  @Mixin
  ReadScopeOptions readScope;

  /** @throws IllegalArgumentException (one line) when {@code --as} cannot be resolved or leaves no tenant */
  TenantScope scope() {
    return readScope.scope(tenants);
  }

  /** {@code " for tenant(s) T"} when restricted, to end a "not found" message with. */
  static String suffix(TenantScope scope) {
    return scope.unrestricted() ? "" : " for tenant(s) " + scope.describe();
  }
}
