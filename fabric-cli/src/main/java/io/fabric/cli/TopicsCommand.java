package io.fabric.cli;

import io.fabric.deploy.TopicsApplier;
import io.fabric.deploy.TopicsApplier.TopicState;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fabric topics apply|describe}: topics from the catalog, never from broker defaults. */
@Command(name = "topics", mixinStandardHelpOptions = true, description = "Create or check the fabric's topics.",
    subcommands = {TopicsCommand.Apply.class, TopicsCommand.Describe.class})
final class TopicsCommand {
  abstract static class TopicsVerb implements Callable<Integer> {
    @Mixin
    ConnectionOptions kafka;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    abstract List<TopicState> states();

    @Override
    public Integer call() {
      List<TopicState> states = states();
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        out.println(Json.write(states));
      } else {
        for (TopicState s : states) {
          out.printf("%-40s %-8s partitions=%d%s%n", s.name(), s.state(), s.partitions(),
              s.differences().isEmpty() ? "" : "  " + String.join("; ", s.differences()));
        }
      }
      return states.stream().anyMatch(TopicState::drifted) ? 1 : 0;
    }
  }

  @Command(name = "apply", mixinStandardHelpOptions = true, description = "Create missing topics; report topics that differ from the catalog (exit 1).")
  static final class Apply extends TopicsVerb {
    @Override
    List<TopicState> states() {
      return TopicsApplier.apply(kafka.connection(), kafka.catalog());
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true, description = "Compare the cluster's topics with the catalog (exit 1 when they differ).")
  static final class Describe extends TopicsVerb {
    @Override
    List<TopicState> states() {
      return TopicsApplier.describe(kafka.connection(), kafka.catalog());
    }
  }
}
