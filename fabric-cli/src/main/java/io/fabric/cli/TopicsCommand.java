package io.fabric.cli;

import io.fabric.deploy.TopicsApplier;
import io.fabric.deploy.TopicsApplier.TopicState;
import io.fabric.schemas.topics.TopicProfile;
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

    @Option(names = "--profile", paramLabel = "NAME",
        description = "Replication of the topics: single-node (replication 1, min.insync.replicas 1) or cluster (3 and 2). "
            + "Default: what the cluster can hold, cluster from three brokers on, else single-node.")
    String profile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    abstract List<TopicState> states(TopicProfile profile);

    @Override
    public Integer call() {
      TopicProfile chosen = profile == null ? TopicsApplier.inferProfile(kafka.connection()) : TopicProfile.named(profile);
      List<TopicState> states = states(chosen);
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        out.println(Json.write(states));
      } else {
        out.printf("profile %s: replication %d, min.insync.replicas %d%s%n", chosen.name(), chosen.replicationFactor(),
            chosen.minInsyncReplicas(), profile == null ? " (from the cluster's broker count; --profile to choose)" : "");
        for (TopicState s : states) {
          out.printf("%-40s %-8s partitions=%d replicas=%d min.isr=%s%s%n", s.name(), s.state(), s.partitions(),
              s.replicationFactor(), s.minInsyncReplicas(), s.differences().isEmpty() ? "" : "  " + String.join("; ", s.differences()));
        }
      }
      return states.stream().anyMatch(TopicState::drifted) ? 1 : 0;
    }
  }

  @Command(name = "apply", mixinStandardHelpOptions = true, description = "Create missing topics with the profile's replication; report topics that differ from the catalog or replicate less than the profile wants (exit 1).")
  static final class Apply extends TopicsVerb {
    @Override
    List<TopicState> states(TopicProfile profile) {
      return TopicsApplier.apply(kafka.connection(), kafka.catalog(), profile);
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true, description = "Compare the cluster's topics with the catalog and the profile (exit 1 when they differ or replicate less).")
  static final class Describe extends TopicsVerb {
    @Override
    List<TopicState> states(TopicProfile profile) {
      return TopicsApplier.describe(kafka.connection(), kafka.catalog(), profile);
    }
  }
}
