package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.deploy.TopicsApplier;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.PolicyPublisher;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code fabric policy publish}: only a policy that passes check reaches the policy topic. */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class PolicyPublishCommandTest {
  @TempDir
  Path dir;

  private final String prefix = EmbeddedKafkaExtension.uniqueName("publish") + ".";
  private final TopicCatalog catalog = TopicCatalog.create(prefix, 3, List.of());
  private final KafkaConnection kafka = KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers());

  private CliRun publish(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("policy", "publish"));
    all.addAll(List.of(args));
    all.addAll(List.of("--bootstrap-server", EmbeddedKafkaExtension.bootstrapServers(), "--topic-prefix", prefix));
    return CliRun.of(all.toArray(String[]::new));
  }

  @Test
  void aPolicyThatFailsCheckIsRefusedAndNothingIsPublished() throws Exception {
    TopicsApplier.apply(kafka, catalog);
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "classes:\n  A: [exfiltrate_secrets]\n");

    CliRun run = publish(bad.toString());

    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.err().startsWith("policy file " + bad + ":2: classes.A would loosen 'exfiltrate_secrets'"), run.toString());
    assertTrue(run.err().contains("refused: " + bad + " does not pass `fabric policy check`; nothing published"), run.toString());
    assertEquals(Optional.empty(), PolicyPublisher.current(kafka, catalog));
  }

  @Test
  void aGoodPolicyIsPublishedAndTheNextPublishShowsWhatItReplaces() throws Exception {
    TopicsApplier.apply(kafka, catalog);
    Path first = Files.writeString(dir.resolve("v1.yaml"), "version: v1\nclasses:\n  B: [summarize]\n");
    Path second = Files.writeString(dir.resolve("v2.yaml"), "version: v2\nclasses:\n  C: [summarize]\n");

    CliRun dry = publish(first.toString(), "--dry-run");
    assertEquals(0, dry.exitCode(), dry.toString());
    assertTrue(dry.out().startsWith("dry run: would publish policy " + PolicyFile.load(first).version()), dry.toString());
    assertEquals(Optional.empty(), PolicyPublisher.current(kafka, catalog), "a dry run publishes nothing");

    CliRun one = publish(first.toString());
    assertEquals(0, one.exitCode(), one.toString());
    assertTrue(one.out().contains("replacing nothing published yet"), one.toString());
    assertEquals(Optional.of(Files.readString(first)), PolicyPublisher.current(kafka, catalog));

    CliRun two = publish(second.toString());
    assertEquals(0, two.exitCode(), two.toString());
    assertTrue(two.out().contains("replacing policy " + PolicyFile.load(first).version()), two.toString());
    assertTrue(two.out().contains("summarize") && two.out().contains("B -> C"), two.toString());
    assertEquals(Optional.of(Files.readString(second)), PolicyPublisher.current(kafka, catalog));
  }
}
