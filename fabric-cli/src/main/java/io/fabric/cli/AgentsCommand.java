package io.fabric.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.agents.definition.AgentDefinition;
import io.fabric.agents.definition.AgentDefinitions;
import io.fabric.agents.model.ProviderConfig;
import io.fabric.agents.router.ModelMetrics;
import io.fabric.agents.router.ModelProviders;
import io.fabric.agents.router.ModelRouter;
import io.fabric.agents.router.RoutingRules;
import io.fabric.agents.run.AgentLoop;
import io.fabric.agents.run.AgentRun;
import io.fabric.agents.run.FabricActionTools;
import io.fabric.agents.run.FabricToolGate;
import io.fabric.agents.run.TurnDecider;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.RequestSigner;
import io.fabric.policy.Policy;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.sandbox.VendorSandbox;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fabric agents list|show|check}: agent definitions (YAML) as data, read and checked offline. */
@Command(name = "agents", mixinStandardHelpOptions = true, description = "Inspect and check agent definitions (YAML).",
    subcommands = {AgentsCommand.ListAgents.class, AgentsCommand.Show.class, AgentsCommand.Check.class, AgentsCommand.Run.class,
        AgentsCommand.Runs.class})
final class AgentsCommand {
  /** Where the definitions are: {@code --dir}, else {@code FABRIC_AGENTS_DIR}, else {@code ./agents}. */
  static final class DirectoryOption {
    @Option(names = "--dir", paramLabel = "DIR", description = "Directory of agent definitions (*.yaml); default $FABRIC_AGENTS_DIR or ./agents.")
    Path dir;

    Path resolve() {
      if (dir != null) {
        return dir;
      }
      String env = System.getenv("FABRIC_AGENTS_DIR");
      return Path.of(env == null || env.isBlank() ? "agents" : env);
    }

    AgentDefinitions.Catalog load() throws IOException {
      Path resolved = resolve();
      if (!Files.isDirectory(resolved)) {
        throw new IllegalArgumentException("no agent directory " + resolved + " (use --dir DIR)");
      }
      return AgentDefinitions.load(resolved);
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the agents of a directory; exit 1 if a file is not a valid definition.")
  static final class ListAgents implements Callable<Integer> {
    @Mixin
    DirectoryOption directory;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      AgentDefinitions.Catalog catalog = directory.load();
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        List<Object> agents = new ArrayList<>();
        catalog.byName().keySet().stream().sorted().forEach(name -> agents.add(summary(catalog.byName().get(name))));
        out.println(Json.write(Map.of("agents", agents, "problems", catalog.problems())));
      } else {
        out.printf("%-24s %-40s %s%n", "NAME", "TOOLS", "DESCRIPTION");
        catalog.byName().keySet().stream().sorted().map(catalog.byName()::get).forEach(agent ->
            out.printf("%-24s %-40s %s%n", agent.name(), String.join(",", agent.tools()), agent.description()));
      }
      out.flush();
      PrintWriter err = spec.commandLine().getErr();
      catalog.problems().forEach(err::println);
      err.flush();
      return catalog.problems().isEmpty() ? 0 : 1;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Show one agent: model, tools with their policy class, escalation rules, and the providers it would use.")
  static final class Show implements Callable<Integer> {
    @Parameters(paramLabel = "NAME")
    String name;

    @Mixin
    DirectoryOption directory;

    @Option(names = "--tenant", paramLabel = "TENANT", defaultValue = "*", description = "Tenant for the tool classes and the provider chain.")
    String tenant;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      AgentDefinition agent = directory.load().get(name)
          .orElseThrow(() -> new IllegalArgumentException("no valid agent '" + name + "' in " + directory.resolve()));
      Map<String, Object> shown = summary(agent);
      shown.put("system_prompt", agent.systemPrompt());
      Policy policy = Policy.defaults();
      Map<String, String> toolClasses = new LinkedHashMap<>();
      agent.tools().forEach(tool -> toolClasses.put(tool, policy.classify(tenant, tool).actionClass().name()));
      shown.put("tool_classes", toolClasses);
      var escalation = agent.escalation();
      Map<String, Object> rules = new LinkedHashMap<>();
      escalation.confidenceBelow().ifPresent(c -> rules.put("confidence_below", c + " (" + escalation.confidenceField() + ")"));
      escalation.fields().forEach(f -> rules.put("field " + f.field(), f.values().toString()));
      rules.put("proposed_action_classes", List.copyOf(escalation.proposedActionClasses()));
      rules.put("max_validation_failures", escalation.maxValidationFailures());
      shown.put("escalation", rules);
      var configs = ModelProviders.configs(ModelProviders.fromSystem());
      RoutingRules routes = ModelProviders.rules(ModelProviders.fromSystem());
      shown.put("provider_chain", routes.chain(agent.name(), tenant, agent.model().preferences(),
          configs.stream().map(c -> c.name()).toList()));
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        out.println(Json.write(shown));
      } else {
        shown.forEach((key, value) -> {
          if (!"system_prompt".equals(key)) {
            out.printf("%-18s %s%n", key + ":", value);
          }
        });
        out.println("system_prompt:");
        agent.systemPrompt().lines().forEach(line -> out.println("  " + line));
      }
      out.flush();
      return 0;
    }
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Check agent definition files: prints FILE:LINE: problem for each, exit 1 if any.")
  static final class Check implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", arity = "1..*")
    List<Path> files;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      boolean ok = true;
      for (Path file : files) {
        if (!Files.isRegularFile(file)) {
          err.println(file + ": no such file");
          ok = false;
          continue;
        }
        AgentDefinitions.Parsed parsed = AgentDefinitions.read(file);
        parsed.problems().forEach(p -> err.println(p.at(file.toString())));
        parsed.definition().ifPresent(agent -> out.println(file + ": ok (agent " + agent.name() + ")"));
        ok &= parsed.ok();
      }
      out.flush();
      err.flush();
      return ok ? 0 : 1;
    }
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = "Run an agent once against a running fabric: each tool call is a request through the gate, signed with --key; "
          + "waits through approvals; an escalated run is handed to a person as a class-B agent_review request. "
          + "Exit 0 when the run completes (approved reviews included), 1 when it is rejected or fails.")
  static final class Run implements Callable<Integer> {
    @Parameters(paramLabel = "NAME")
    String name;

    @Mixin
    DirectoryOption directory;

    @Mixin
    ConnectionOptions kafka;

    @Option(names = "--tenant", paramLabel = "TENANT", description = "Tenant the run acts for (required unless --resume).")
    String tenant;

    @Option(names = "--input", paramLabel = "JSON", description = "The run's input (a JSON object), or @FILE (required unless --resume).")
    String input;

    @Option(names = "--checkpoint", paramLabel = "FILE",
        description = "Write the run's checkpoint to FILE after every step (replaced atomically), for --resume.")
    Path checkpoint;

    @Option(names = "--resume", paramLabel = "FILE",
        description = "Continue the run checkpointed in FILE: answered turns are not asked again, waiting tool calls are followed "
            + "under the same request ids; checkpoints keep going to FILE.")
    Path resume;

    @Option(names = "--key", paramLabel = "FILE",
        description = "The agent's submitter key (fabric keys generate --submitter NAME, NAME = the agent's submitter).")
    Path key;

    @Option(names = "--sandbox", description = "Use the sandbox's deterministic model, started in this process, instead of the configured providers.")
    boolean sandbox;

    @Option(names = "--run-id", paramLabel = "ID", description = "Run id (default: a new UUID); tool calls' request ids derive from it.")
    String runId;

    @Option(names = "--tool-timeout", paramLabel = "DURATION", defaultValue = "PT10M",
        description = "How long one tool call may wait for its outcome, approvals included (ISO-8601; default ${DEFAULT-VALUE}).")
    Duration toolTimeout;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      if (resume == null && (tenant == null || input == null)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "agents run needs --tenant and --input (or --resume FILE)");
      }
      AgentDefinition agent = directory.load().get(name)
          .orElseThrow(() -> new IllegalArgumentException("no valid agent '" + name + "' in " + directory.resolve()));
      var mapper = new ObjectMapper();
      AgentRun resumed = null;
      if (resume != null) {
        resumed = AgentRun.fromJson(mapper.readTree(Files.readString(resume)));
        if (!resumed.agent().equals(agent.name())) {
          throw new IllegalArgumentException(resume + " is a run of agent " + resumed.agent() + ", not " + agent.name());
        }
      }
      JsonNode json = resumed != null ? null
          : mapper.readTree(input.startsWith("@") ? Files.readString(Path.of(input.substring(1))) : input);
      Path checkpointFile = checkpoint != null ? checkpoint : resume;
      PrintWriter out = spec.commandLine().getOut();
      try (VendorSandbox model = sandbox ? VendorSandbox.start() : null) {
        var settings = model != null ? ModelProviders.from(model.systemProperties()) : ModelProviders.fromSystem();
        var configs = ModelProviders.configs(settings);
        if (configs.isEmpty()) {
          throw new IllegalArgumentException("no model provider configured: set " + ModelProviders.envName(ModelProviders.PROVIDERS)
              + " (see README, Agents) or use --sandbox");
        }
        return run(agent, resumed, json, checkpointFile, settings, configs, out);
      }
    }

    private Integer run(AgentDefinition agent, AgentRun resumed, JsonNode json,
        Path checkpointFile, Function<String, Optional<String>> settings,
        List<ProviderConfig> configs, PrintWriter out) throws Exception {
      try (FabricClient client = new FabricClient(kafka.connection(), kafka.catalog())) {
        if (key != null) {
          String owner = ApproverKeys.approverOf(key);
          if (!owner.equals(agent.submitter())) {
            throw new IllegalArgumentException("key " + key + " is " + owner + "'s; agent " + agent.name() + " signs as " + agent.submitter());
          }
          client.signedBy(new RequestSigner(owner, ApproverKeys.readPrivateKey(key)));
        }
        var http = HttpClient.newHttpClient();
        var router = ModelRouter.of(configs.stream().map(c -> c.provider(http)).toList(),
            ModelProviders.rules(settings), ModelMetrics.inMemory());
        var gate = new FabricToolGate(Map.of(agent.submitter(), client), kafka.connection(), kafka.catalog(),
            toolTimeout, Duration.ofMillis(500), d -> Thread.sleep(d.toMillis()));
        RunProgress progress = new RunProgress(output.json() ? null : out, checkpointFile);
        if (resumed != null) {
          progress.resumedFrom(resumed);
        }
        var loop = new AgentLoop(router, new TurnDecider(Policy.defaults()), gate,
            FabricActionTools.SPECS,
            progress::checkpoint, true);
        var run = resumed != null ? loop.resume(agent, resumed)
            : loop.run(agent, tenant, runId != null ? runId : UUID.randomUUID().toString(), json);
        if (output.json()) {
          out.println(Json.write(Json.parse(run.toJson().toString())));
        } else {
          out.println(run.phase() + (run.output().isPresent() ? ": " + run.output().get() : ": " + run.reason()));
          if (!run.draft().isEmpty()) {
            out.println("draft for the reviewer: " + run.draft());
          }
        }
        out.flush();
        return run.phase() == AgentRun.Phase.COMPLETED ? 0 : 1;
      }
    }
  }

  /**
   * {@code fabric agents runs [RUN_ID] [--tenant T]}: the durable runs as {@code fabric.agents.conversations}
   * logged them; with a run id, that run's turns (prompt, response, tokens, provider, latency). Not
   * {@code show RUN_ID}: {@code show} names an agent definition.
   */
  @Command(name = "runs", mixinStandardHelpOptions = true,
      description = "List agent runs from the conversation log (fabric.agents.conversations), or show one run's turns.")
  static final class Runs implements Callable<Integer> {
    @Parameters(paramLabel = "RUN_ID", arity = "0..1", description = "Show this run's turns (the agent_run request id).")
    String runId;

    @Option(names = "--tenant", paramLabel = "TENANT", description = "Only this tenant's runs.")
    String tenant;

    @Mixin
    ConnectionOptions kafka;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      var mapper = new ObjectMapper();
      var topic = kafka.catalog().agentConversations;
      List<JsonNode> events = new ArrayList<>();
      List<String> raw = runId == null ? io.fabric.schemas.records.LatestByKeyReader.everything(kafka.connection(), topic)
          : io.fabric.schemas.records.LatestByKeyReader.all(kafka.connection(), topic, runId, v -> true);
      for (String json : raw) {
        events.add(mapper.readTree(json));
      }
      PrintWriter out = spec.commandLine().getOut();
      if (runId != null) {
        List<JsonNode> turns = io.fabric.agents.flow.ConversationLog.turns(events.stream()
            .filter(e -> tenant == null || tenant.equals(e.path("tenant").asText())).toList());
        if (turns.isEmpty()) {
          throw new IllegalArgumentException("no logged turns of agent run " + runId + (tenant == null ? "" : " for tenant " + tenant));
        }
        if (output.json()) {
          out.println(Json.write(Map.of("run_id", runId, "turns", Json.parse(mapper.writeValueAsString(turns)))));
        } else {
          JsonNode first = turns.get(0);
          out.println("run " + runId + ": agent " + first.path("agent").asText() + ", tenant " + first.path("tenant").asText());
          for (JsonNode turn : turns) {
            out.println("turn " + turn.path("turn").asInt() + ": " + turn.path("provider").asText() + "/" + turn.path("model").asText()
                + " -> " + turn.path("decision").asText() + " (" + turn.path("input_tokens").asLong() + "+"
                + turn.path("output_tokens").asLong() + " tokens, " + turn.path("latency_ms").asLong() + " ms) " + turn.path("at").asText());
            turn.path("prompt").forEach(m -> out.println("  > " + m.path("role").asText() + ": " + m.path("content").asText()));
            JsonNode response = turn.path("response");
            if (!response.path("text").asText().isEmpty()) {
              out.println("  < " + response.path("text").asText());
            }
            response.path("tool_calls").forEach(c -> out.println("  < calls " + c.path("name").asText() + " " + c.path("arguments")));
          }
          out.println("phase after the last turn: " + turns.get(turns.size() - 1).path("phase").asText());
        }
        out.flush();
        return 0;
      }
      var runs = io.fabric.agents.flow.ConversationLog.runs(events, tenant);
      if (output.json()) {
        out.println(Json.write(Map.of("runs", Json.parse(mapper.writeValueAsString(runs)))));
      } else {
        out.printf("%-36s %-20s %-10s %5s %-18s %9s %s%n", "RUN", "AGENT", "TENANT", "TURNS", "PHASE", "TOKENS", "LAST TURN");
        runs.forEach(r -> out.printf("%-36s %-20s %-10s %5d %-18s %9s %s%n", r.runId(), r.agent(), r.tenant(), r.turns(), r.phase(),
            r.inputTokens() + "+" + r.outputTokens(), r.lastAt()));
      }
      out.flush();
      return 0;
    }
  }

  /** Prints each new turn and each submitted tool call as the run's checkpoints come in, and keeps the checkpoint file. */
  private static final class RunProgress {
    private final PrintWriter out;
    private final Path file;
    private int turnsShown;
    private final Set<String> pendingShown = new HashSet<>();

    RunProgress(PrintWriter out, Path file) {
      this.out = out;
      this.file = file;
    }

    void resumedFrom(AgentRun run) {
      turnsShown = run.turns().size();
      if (out != null) {
        out.println("resuming run " + run.runId() + " after turn " + turnsShown + " (" + run.phase().name().toLowerCase(Locale.ROOT)
            + ")");
        out.flush();
      }
    }

    void checkpoint(ObjectNode checkpoint) {
      if (file != null) {
        write(checkpoint);
      }
      if (out == null) {
        return;
      }
      var turns = checkpoint.path("turns");
      for (; turnsShown < turns.size(); turnsShown++) {
        var turn = turns.get(turnsShown);
        out.println("turn " + turn.path("number").asInt() + ": " + turn.path("provider").asText() + "/" + turn.path("model").asText()
            + " -> " + turn.path("decision").asText() + " (" + turn.path("input_tokens").asLong() + "+" + turn.path("output_tokens").asLong()
            + " tokens, " + turn.path("latency_ms").asLong() + " ms)");
      }
      for (var tool : checkpoint.path("pending_tools")) {
        if (pendingShown.add(tool.path("request_id").asText())) {
          out.println("  submitted " + tool.path("action").asText() + " as request " + tool.path("request_id").asText()
              + " (signed as " + tool.path("submitter").asText() + "); waiting for its outcome");
        }
      }
      out.flush();
    }

    /** Replaces the file in one step, so a run killed mid-write leaves the previous checkpoint. */
    private void write(ObjectNode checkpoint) {
      try {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, checkpoint.toString());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the checkpoint " + file, e);
      }
    }
  }

  private static Map<String, Object> summary(AgentDefinition agent) {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("name", agent.name());
    summary.put("description", agent.description());
    summary.put("submitter", agent.submitter());
    summary.put("tools", agent.tools());
    summary.put("models", agent.model().preferences().stream()
        .map(p -> p.provider() + p.model().map(m -> "/" + m).orElse("")).toList());
    summary.put("temperature", agent.model().temperature());
    return summary;
  }
}
