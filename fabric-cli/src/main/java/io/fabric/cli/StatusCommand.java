package io.fabric.cli;

import io.fabric.contracts.RequestStatus;
import io.fabric.policy.identity.TenantScope;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.records.Outcome;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fabric status}: where a request is and why, read from the compacted status topic. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show where a request is and why.")
final class StatusCommand implements Callable<Integer> {
  @Mixin
  ConnectionOptions kafka;

  @Parameters(paramLabel = "REQUEST_ID")
  String requestId;

  @Option(names = "--wait", paramLabel = "DURATION", description = "Wait up to this long (ISO-8601, e.g. PT30S) for a final outcome.")
  Duration wait;

  @Mixin
  TenantScopeOptions scopeOptions;

  @Mixin
  OutputOptions output;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    TenantScope scope = scopeOptions.scope();
    long deadline = System.nanoTime() + (wait == null ? 0 : wait.toNanos());
    Optional<RequestStatus> status = LatestByKeyReader.latest(kafka.connection(), kafka.catalog().requestStatus, requestId);
    while (wait != null && System.nanoTime() < deadline && (status.isEmpty() || !Outcome.valueOf(status.get().getOutcome()).terminal())) {
      LockSupport.parkNanos(Duration.ofMillis(300).toNanos());
      status = LatestByKeyReader.latest(kafka.connection(), kafka.catalog().requestStatus, requestId);
    }
    if (status.isPresent() && !scope.allows(status.get().getTenantId())) {
      // another tenant's request is answered like an unknown id: a restricted read learns nothing of it
      throw new IllegalStateException("no status for request " + requestId + TenantScopeOptions.suffix(scope));
    }
    if (status.isEmpty()) {
      throw new IllegalStateException("no status for request " + requestId + TenantScopeOptions.suffix(scope)
          + " yet: is `fabric run` running, and is the id right?");
    }
    spec.commandLine().getOut().println(output.json() ? Json.write(StatusJson.of(status.get())) : StatusJson.line(status.get()));
    return 0;
  }
}
