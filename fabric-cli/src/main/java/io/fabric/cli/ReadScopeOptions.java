package io.fabric.cli;

import io.fabric.policy.identity.TenantScope;
import java.nio.file.Path;
import java.util.Collection;
import picocli.CommandLine.Option;

/**
 * {@code --as NAME} with the registry NAME is in: every read command of the fabric (here and in
 * {@code fabric status}, {@code flows show}, {@code approvals}) shows only the tenants of that
 * submitter or approver, and of {@code --tenant} when given too. A guard for people and scripts that
 * read Kafka directly, not an access control: Kafka ACLs decide what a principal may read.
 */
public final class ReadScopeOptions {
  @Option(names = "--as", paramLabel = "NAME",
      description = "Show only the tenants of submitter or approver NAME (with --submitters or --approvers).")
  String as;

  @Option(names = "--submitters", paramLabel = "FILE", description = "The submitter registry --as NAME is read from.")
  Path submitters;

  @Option(names = "--approvers", paramLabel = "FILE", description = "The approver registry --as NAME is read from.")
  Path approvers;

  /**
   * The tenants a read may show: {@code tenants} (every one when empty) narrowed to those of {@code --as}.
   *
   * @throws IllegalArgumentException (one line) when {@code --as} cannot be resolved or leaves no tenant
   */
  public TenantScope scope(Collection<String> tenants) {
    return TenantScope.resolve(tenants, as, submitters, approvers);
  }
}
