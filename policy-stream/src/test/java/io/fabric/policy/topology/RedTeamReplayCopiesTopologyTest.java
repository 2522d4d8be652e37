package io.fabric.policy.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.RequestSigner;
import io.fabric.gateway.Submission;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.PolicyGate;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.approvals.SignedTokenVerifier;
import io.fabric.schemas.records.IngressKey;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.records.Statuses;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.TestInputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (red5) of "a signed replay runs once, and a copy writes no status": a copy of a replay
 * captured off {@code fabric.tasks.replays} and re-sent while its signature is fresh, after the
 * replay's idempotency key was taken by a later request of the same tenant (a short duplicate window,
 * or the end of a long one). The deduplication stage then marks the copy a duplicate, and the
 * request-id stage wrote its DUPLICATE status before it looked whether the replay was spent.
 */
class RedTeamReplayCopiesTopologyTest {
  private static final Instant NOW = Instant.parse("2026-12-02T06:00:00Z");
  private static final KeyPair AGENT = ApproverKeys.newKeyPair();
  private static final KeyPair REPLAYER = ApproverKeys.newKeyPair();
  private static final String POLICY = """
      duplicates: { window: PT1M }
      limits:
        rules:
          one-at-a-time:
            in_flight: 1
      """;

  @TempDir
  Path stateDir;

  private GateDriver t;
  private TestInputTopic<String, RequestStatus> statuses;
  private final RequestSigner agent = new RequestSigner("support-agent", AGENT.getPrivate());
  private final RequestSigner replayer = new RequestSigner("dlq-replayer", REPLAYER.getPrivate());

  @BeforeEach
  void start() {
    t = new GateDriver(new PolicyGate(PolicyFile.parse(POLICY), new SignedTokenVerifier(ApproverRegistry.of()),
        ReplaySubmitters.agentAndReplayer(AGENT.getPublic(), REPLAYER.getPublic())), Duration.ofSeconds(1), stateDir, NOW);
    statuses = t.input(t.catalog.requestStatus);
  }

  @AfterEach
  void close() {
    t.close();
  }

  @Test
  void aCopyOfAReplayMarkedDuplicateWritesNoStatusAndFreesNoSlot() {
    TaskRequest first = t.submit(agent.sign(Submission.of("acme", "summarize").payload("{\"text\":\"hi\"}")
        .toRequest(t.now().toEpochMilli())));
    statuses.pipeInput(first.getRequestId(), Statuses.of(first, null, Outcome.DEAD_LETTER, null, "failed", t.now().toEpochMilli()));
    TaskRequest replay = replayer.sign(TaskRequest.newBuilder(first).setReplay(ReplayLineage.newBuilder().setDeadLetterId("dl-1")
        .setGeneration(1).setReplayedAt(t.advance(Duration.ofHours(1)).toEpochMilli()).setReplayedBy("ops@host")
        .setOriginalSubmitter(first.getSubmitter()).build()).build());
    t.replays.pipeInput(IngressKey.of(replay), replay, t.now());
    assertEquals(List.of(first.getRequestId(), first.getRequestId()), t.routedIds(), "the request and its replay ran; the replay holds the slot");
    t.status.readValuesToList();

    // past the duplicate window, a new request of acme with the same idempotency key: the first with it now, it waits for the slot
    t.advance(Duration.ofMinutes(2));
    TaskRequest next = t.submit(agent.sign(Submission.of("acme", "summarize").idempotencyKey(first.getIdempotencyKey())
        .payload("{\"text\":\"next\"}").toRequest(t.now().toEpochMilli())));
    // the captured copy of the replay, still fresh
    t.replays.pipeInput(IngressKey.of(replay), TaskRequest.newBuilder(replay).build(), t.now());
    t.advance(Duration.ofSeconds(1));

    List<RequestStatus> written = t.status.readValuesToList();
    assertTrue(written.stream().noneMatch(s -> s.getRequestId().equals(first.getRequestId())),
        "a copy of a spent replay writes no status under the request's id: " + written);
    assertEquals(List.of(), t.routedIds(), "the copy does not run, and it frees no slot: the next request still waits");
    assertEquals("HELD", written.stream().filter(s -> s.getRequestId().equals(next.getRequestId())).reduce((a, b) -> b).orElseThrow()
        .getOutcome());
    assertTrue(t.blocked.readValue().getDetail().startsWith("reused replay: "), "refused as a reused replay");
  }
}
