package io.fabric.cli;

import io.fabric.agents.definition.AgentDefinition;
import io.fabric.agents.definition.AgentDefinitions;
import io.fabric.agents.router.ModelProviders;
import io.fabric.agents.router.RoutingRules;
import io.fabric.policy.Policy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fabric agents list|show|check}: agent definitions (YAML) as data, read and checked offline. */
@Command(name = "agents", mixinStandardHelpOptions = true, description = "Inspect and check agent definitions (YAML).",
    subcommands = {AgentsCommand.ListAgents.class, AgentsCommand.Show.class, AgentsCommand.Check.class})
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
