package io.fabric.cli;

import io.fabric.plugins.runtime.PluginRuntimeConfig;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.policy.NoApproverRegistry;
import io.fabric.policy.Policy;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.approvals.TokenVerifier;
import io.fabric.policy.identity.SubmitterVerifier;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Option;

/** Options of the commands that run the fabric's apps ({@code run}, {@code demo}). */
final class AppOptions {
  @Option(names = "--policy", paramLabel = "FILE", description = "Policy YAML (default: the seed's classes).")
  Path policyFile;

  @Option(names = "--approvers", paramLabel = "FILE", description = "Approver registry YAML (public keys and scopes).")
  Path approversFile;

  @Option(names = "--submitters", paramLabel = "FILE",
      description = "Submitter registry YAML (public keys and scopes): the gate then accepts only requests signed by a registered "
          + "submitter acting within its scope. Without it the gate runs open.")
  Path submittersFile;

  @Option(names = "--apps", split = ",", paramLabel = "APP", description = "Apps to run: policy, router, plugins, status (default: all).")
  List<String> apps = List.of();

  @Option(names = "--config", paramLabel = "KEY=VALUE",
      description = "A setting for every Streams app (e.g. commit.interval.ms=20, num.stream.threads=2) or, with the prefix "
          + PluginRuntimeConfig.PREFIX + ", for every plugin runtime (e.g. " + PluginRuntimeConfig.INSTANCE_ID + "=node-2 (default: per process), "
          + PluginRuntimeConfig.BATCH_LINGER_MS + "=5) or, with the prefix otel., for tracing (e.g. "
          + "otel.exporter.otlp.endpoint=http://127.0.0.1:4318; the OTEL_* environment works too). Repeatable.")
  Map<String, String> config = new LinkedHashMap<>();

  private Policy policy;
  private TokenVerifier verifier;
  private SubmitterVerifier submitters;
  private PluginRuntimeConfig pluginRuntime;

  /** Loads and checks the policy and approver registry, so a bad file fails before anything starts. */
  AppOptions load() {
    if (policy == null) {
      policy = policyFile == null ? Policy.defaults() : PolicyFile.load(policyFile);
      verifier = approversFile == null ? new NoApproverRegistry() : ApproverSetup.verifier(approversFile, policy);
      submitters = submittersFile == null ? null
          : new SubmitterVerifier(ApproverRegistry.load(ApproverRegistry.Role.SUBMITTERS, submittersFile));
      pluginRuntime = PluginRuntimeConfig.from(config);
      selectedApps();
    }
    return this;
  }

  /** The approver registry's token verifier (after {@link #load}). */
  TokenVerifier verifier() {
    return load().verifier;
  }

  /** The submitter registry's verifier, or null when the gate runs open (after {@link #load}). */
  SubmitterVerifier submitters() {
    return load().submitters;
  }

  Set<FabricRuntime.App> selectedApps() {
    Set<FabricRuntime.App> selected = EnumSet.noneOf(FabricRuntime.App.class);
    for (String app : apps) {
      try {
        selected.add(FabricRuntime.App.valueOf(app.trim().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown app '" + app + "': use policy, router, plugins, status or audit");
      }
    }
    return selected.isEmpty() ? EnumSet.allOf(FabricRuntime.App.class) : selected;
  }

  FabricRuntime.Settings settings(ConnectionOptions kafka, String bootstrap, Path stateDir) {
    load();
    PluginRegistry registry = PluginRegistry.discover();
    return new FabricRuntime.Settings(kafka.connection(bootstrap), kafka.catalog(), registry, policy, verifier, stateDir,
        selectedApps(), streamsOverrides(), pluginRuntimeIn(stateDir), submitters);
  }

  /** The plugin runtimes keep their flow state snapshots under the process's state dir unless told otherwise (or {@code none}). */
  private PluginRuntimeConfig pluginRuntimeIn(Path stateDir) {
    return config.containsKey(PluginRuntimeConfig.STATE_DIR) ? pluginRuntime
        : pluginRuntime.withStateDir(stateDir.resolve("plugin-runtime"));
  }

  /** The {@code --config otel.*} settings: OpenTelemetry's own keys, over its {@code OTEL_*} environment. */
  Map<String, String> tracingOverrides() {
    Map<String, String> overrides = new LinkedHashMap<>();
    config.forEach((key, value) -> {
      if (key.startsWith(TRACING_PREFIX)) {
        overrides.put(key, value);
      }
    });
    return overrides;
  }

  /** The process's tracing: OTLP when {@code OTEL_*} or {@code --config otel.*} configure an exporter, else off. */
  io.fabric.schemas.tracing.FabricTracing tracing() {
    return io.fabric.schemas.tracing.FabricTracing.configure(tracingOverrides());
  }

  static final String TRACING_PREFIX = "otel.";

  /** The {@code --config} settings for the Streams apps: all but the plugin runtime's and tracing's. */
  private Map<String, Object> streamsOverrides() {
    Map<String, Object> overrides = new LinkedHashMap<>();
    config.forEach((key, value) -> {
      if (!key.startsWith(PluginRuntimeConfig.PREFIX) && !key.startsWith(TRACING_PREFIX)) {
        overrides.put(key, value);
      }
    });
    return overrides;
  }
}
