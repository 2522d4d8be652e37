package io.fabric.plugins.runtime;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.testing.FabricHarness;
import io.fabric.plugins.testing.RecordingPlugin;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A step whose outcome would not fit in a record: it is dead-lettered once, before anything is
 * staged, and the other tasks of its poll still commit (it used to abort every transaction holding
 * it, so the runtime rewound and called the plugin again forever).
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class OversizedOutcomeIntegrationTest {
  /** Returns {@code {"blob": "<bytes> characters"}}; side-effect free, so a rewind would call it again at once. */
  static final class BlobPlugin extends RecordingPlugin {
    static final String NAME = "blob";
    static final String ACTION = "make_blob";

    BlobPlugin() {
      super(NAME, ACTION, InDoubtSupport.SIDE_EFFECT_FREE);
    }

    @Override
    protected Map<String, Object> result(Map<String, Object> payload) {
      int bytes = ((Number) payload.get("bytes")).intValue();
      return Map.of("blob", String.join("", Collections.nCopies(bytes / 16, "0123456789abcdef")));
    }
  }

  private FabricHarness fabric;

  @BeforeEach
  void setUp() throws Exception {
    fabric = FabricHarness.create(List.of(BlobPlugin.NAME));
  }

  @AfterEach
  void tearDown() {
    fabric.close();
  }

  @Test
  void aTwoMegabyteResultIsDeadLetteredOnceAndTheOtherTasksOfItsPollStillRun() throws Exception {
    // Given a small task, a task whose result is 2 MB and another small task, queued on one partition before the runtime runs
    String small1 = fabric.flowIdOnPartition("small-a-" + UUID.randomUUID(), 0);
    String big = fabric.flowIdOnPartition("big-" + UUID.randomUUID(), 0);
    String small2 = fabric.flowIdOnPartition("small-b-" + UUID.randomUUID(), 0);
    TaskRequest first = request(small1, BlobPlugin.ACTION, "{\"bytes\":64}", true);
    TaskRequest huge = request(big, BlobPlugin.ACTION, "{\"bytes\":2097152}", false);
    TaskRequest last = request(small2, BlobPlugin.ACTION, "{\"bytes\":64}", true);
    for (TaskRequest task : List.of(first, huge, last)) {
      fabric.send(BlobPlugin.NAME, task);
    }

    // When the runtime consumes them (in one poll)
    BlobPlugin plugin = new BlobPlugin();
    fabric.start(plugin, PluginRuntimeConfig.defaults());

    // Then the small ones are checkpointed and executed
    assertEquals("COMPLETED", fabric.awaitStatus(small1, "COMPLETED").getStatus());
    assertEquals("COMPLETED", fabric.awaitStatus(small2, "COMPLETED").getStatus());
    // and the big one is dead-lettered once, naming its size and the limit
    DeadLetter letter = await().atMost(FabricHarness.WAIT).until(() -> fabric.deadLetters(big), l -> !l.isEmpty()).get(0);
    assertEquals("EXECUTION_FAILED", letter.getReason());
    assertEquals(huge.getRequestId(), letter.getRequestId());
    assertTrue(letter.getErrorMessage().contains("OUTCOME_TOO_LARGE"), letter.getErrorMessage());
    assertTrue(letter.getErrorMessage().contains(String.valueOf(PluginRuntimeConfig.defaults().maxCheckpointBytes())),
        letter.getErrorMessage());
    assertEquals("DEAD_LETTER", await().atMost(FabricHarness.WAIT)
        .until(() -> fabric.status(huge.getRequestId()), java.util.Optional::isPresent).get().getOutcome());
    FlowCheckpoint failed = fabric.awaitStatus(big, "ROLLED_BACK");
    assertEquals("FAILED", failed.getSteps().get(0).getStatus());
    assertTrue(failed.getState().length() < 1000, "the blob never reached the checkpoint");
    // and nothing was called again or dead-lettered twice, a while later (each check reads the DLQ with a new consumer,
    // a second or more on a loaded machine: a tight atMost would fail a hold that was never broken)
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(30)).until(() -> fabric.deadLetters(big).size() == 1);
    assertEquals(1, plugin.calls.stream().filter(huge.getRequestId()::equals).count(), "the big task ran once");
    assertEquals(3, plugin.calls.size());
  }
}
