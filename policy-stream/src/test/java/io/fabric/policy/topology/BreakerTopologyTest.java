package io.fabric.policy.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.Submission;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.PolicyGate;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.approvals.SignedTokenVerifier;
import io.fabric.policy.breakers.BreakerFixtures;
import io.fabric.policy.breakers.BreakerRecords;
import io.fabric.policy.breakers.BreakerReset;
import io.fabric.policy.breakers.BreakerResetVerifier;
import io.fabric.policy.breakers.BreakerScopes;
import io.fabric.policy.breakers.BreakerTrip;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A breaker trips on what the gate itself audits, pauses its scope, and only a signed reset of that trip lifts it. */
class BreakerTopologyTest {
  private static final Instant START = Instant.parse("2026-12-02T10:00:00Z");

  @TempDir
  Path stateDir;

  private GateDriver gate;
  private TestInputTopic<String, String> breakersIn;
  private TestOutputTopic<String, String> breakersOut;

  private final io.fabric.observability.FabricMetrics metrics =
      new io.fabric.observability.FabricMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());

  private void start(String policy) {
    PolicyGate policyGate = new PolicyGate(PolicyFile.parse(policy),
        new SignedTokenVerifier(ApproverRegistry.of(BreakerFixtures.OPS, BreakerFixtures.ACME_ONLY)));
    gate = new GateDriver(policyGate, Duration.ofSeconds(1), stateDir, START,
        Map.of(io.fabric.observability.FabricMetrics.REGISTRY_CONFIG, metrics));
    breakersIn = gate.input(gate.catalog.breakers);
    breakersOut = gate.output(gate.catalog.breakers);
  }

  @AfterEach
  void stop() {
    if (gate != null) {
      gate.close();
    }
  }

  private TaskRequest submit(String submitter, String action, String payload, String flow) {
    Submission submission = Submission.of("acme", action).payload(payload);
    if (flow != null) {
      submission.flowId(flow);
    }
    TaskRequest request = submission.toRequest(gate.now().toEpochMilli());
    request.setSubmitter(submitter);
    return gate.submit(request);
  }

  /** What the overview and dashboards read: the gate's count of paused scopes. */
  private double trippedGauge() {
    return metrics.registry().get(io.fabric.observability.FabricMetrics.BREAKERS_TRIPPED).gauge().value();
  }

  private Map<String, RequestStatus> latestStatuses() {
    return gate.status.readKeyValuesToMap();
  }

  @Test
  void classCAttemptsPauseTheSubmitterUntilASignedResetThenItsHeldRequestsRunInOrder() {
    start("breakers:\n  c-attempts: { per: submitter, measure: class_c_attempts, threshold: 3, window: PT10M }\n");
    for (int i = 0; i < 3; i++) {
      submit("bot", "exfiltrate_secrets", "{}", null);
    }
    List<String> trips = breakersOut.readValuesToList();
    assertEquals(1, trips.size(), trips.toString());
    BreakerTrip trip = BreakerRecords.trip(trips.get(0)).orElseThrow();
    assertEquals("submitter:bot", trip.scope());
    assertEquals(1, gate.audits(BreakerProcessor.TRIPPED).size());
    gate.advance(Duration.ofSeconds(2));
    assertEquals(1.0, trippedGauge(), "the tripped breaker shows on the gauge");

    TaskRequest first = submit("bot", "summarize", "{\"text\":\"a\"}", "flow-bot");
    TaskRequest second = submit("bot", "summarize", "{\"text\":\"b\"}", "flow-bot");
    TaskRequest other = submit("helper", "summarize", "{\"text\":\"c\"}", null);
    Map<String, RequestStatus> statuses = latestStatuses();
    assertEquals("HELD", statuses.get(first.getRequestId()).getOutcome());
    assertEquals("PAUSED", statuses.get(first.getRequestId()).getReason());
    assertEquals("HELD", statuses.get(second.getRequestId()).getOutcome());
    assertEquals("ROUTED", statuses.get(other.getRequestId()).getOutcome(), "another submitter runs");
    assertEquals(List.of(other.getRequestId()), gate.routedIds());

    // forged: unsigned, signed by an unregistered key under ops' name, garbage over the trip, a tombstone
    BreakerReset signed = BreakerResetVerifier.sign("ops", BreakerFixtures.OPS_KEYS.getPrivate(), trip, "checked the agent", 1L);
    breakersIn.pipeInput(BreakerScopes.resetKey(trip.scope()), BreakerRecords.encode(signed.withSignature("")));
    breakersIn.pipeInput(BreakerScopes.resetKey(trip.scope()),
        BreakerRecords.encode(BreakerResetVerifier.sign("ops", BreakerFixtures.MALLORY_KEYS.getPrivate(), trip, "x", 1L)));
    breakersIn.pipeInput(trip.scope(), "{\"type\":\"RESET\"}");
    breakersIn.pipeInput(trip.scope(), (String) null);
    gate.advance(Duration.ofSeconds(2));
    assertEquals(List.of(), gate.routedIds(), "a forged reset released nothing");
    assertEquals(1.0, trippedGauge(), "nor lowered the gauge");
    TaskRequest third = submit("bot", "summarize", "{\"text\":\"d\"}", null);
    assertEquals("HELD", latestStatuses().get(third.getRequestId()).getOutcome());

    breakersIn.pipeInput(BreakerScopes.resetKey(trip.scope()), BreakerRecords.encode(signed));
    gate.advance(Duration.ofSeconds(2));
    assertEquals(List.of(first.getRequestId(), second.getRequestId(), third.getRequestId()), gate.routedIds(), "released in arrival order");
    assertEquals(0.0, trippedGauge(), "the signed reset lifted it");
    List<String> resets = gate.audits(BreakerProcessor.RESET).stream().map(e -> e.getDetail()).toList();
    assertEquals(1, resets.size(), resets.toString());
    assertTrue(resets.get(0).contains("reset by ops"), resets.get(0));
    TaskRequest after = submit("bot", "summarize", "{\"text\":\"e\"}", null);
    assertEquals("ROUTED", latestStatuses().get(after.getRequestId()).getOutcome());
  }

  @Test
  void spendSummedFromThePayloadBlocksTheTenantPausedWhenTheBreakerSaysBlock() {
    start("classes:\n  A: [refund_small]\nbreakers:\n  spend: { per: tenant, measure: spend, field: amount, threshold: 1000, window: PT1H, then: block }\n");
    submit(null, "refund_small", "{\"amount\":600}", null);
    submit(null, "refund_small", "{\"amount\":\"lots\"}", null);
    submit(null, "refund_small", "{\"amount\":500}", null);
    assertEquals(3, gate.routedIds().size());
    assertEquals(1, breakersOut.readValuesToList().size());
    TaskRequest blocked = submit(null, "refund_small", "{\"amount\":1}", null);
    RequestStatus status = latestStatuses().get(blocked.getRequestId());
    assertEquals("BLOCKED", status.getOutcome());
    assertEquals("PAUSED", status.getReason());
    assertTrue(status.getDetail().contains("tenant:acme paused by breaker spend"), status.getDetail());
    assertEquals(List.of(blocked.getRequestId()), gate.blocked.readValuesToList().stream()
        .map(b -> b.getRequest().getRequestId()).collect(Collectors.toList()));
  }

  @Test
  void aTripLostFromTheTopicIsWrittenAgainByTheStageThatRaisedIt() {
    start("breakers:\n  c-attempts: { per: submitter, measure: class_c_attempts, threshold: 1, window: PT10M }\n");
    submit("bot", "exfiltrate_secrets", "{}", null);
    assertEquals(1, breakersOut.readValuesToList().size());
    // the board ignores garbage over a trip, but compaction could drop the trip under it: the breaker stage writes it again
    gate.advance(Duration.ofSeconds(11));
    assertEquals(0, breakersOut.readValuesToList().size(), "the board shows the trip: nothing to write");
  }

  @Test
  void aFloodOfClassCAttemptsUnderManyRequestIdsTripsOnceAndIsThenHeld() {
    start("breakers:\n  c-attempts: { per: submitter, measure: class_c_attempts, threshold: 5, window: PT10M }\n");
    for (int i = 0; i < 200; i++) {
      submit("bot", "exfiltrate_secrets", "{}", null);
    }
    assertEquals(1, breakersOut.readValuesToList().size(), "one trip");
    assertEquals(1, gate.audits(BreakerProcessor.TRIPPED).size());
    Map<String, RequestStatus> statuses = latestStatuses();
    assertEquals(5, statuses.values().stream().filter(s -> "FORBIDDEN".equals(s.getReason())).count(), "attempts up to the trip were judged");
    assertEquals(195, statuses.values().stream().filter(s -> "HELD".equals(s.getOutcome())).count(), "the rest wait for a person");
  }
}
