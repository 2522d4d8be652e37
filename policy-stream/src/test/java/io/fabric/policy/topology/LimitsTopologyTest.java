package io.fabric.policy.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.Submission;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.PolicyGate;
import io.fabric.policy.PublishedPolicy;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.records.Statuses;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.streams.TestInputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The limits stage: over its limit a request waits in order or is blocked RATE_LIMITED, as the policy says, and only for its own budget. */
class LimitsTopologyTest {
  private static final Instant START = Instant.parse("2026-12-01T10:00:00Z");
  private static final String ONE_PER_SECOND = """
      limits:
        rules:
          per-tenant:
            class: A
            rate: { requests: 1, per: PT1S, burst: 1 }
            on_limit: %s
      """;
  private static final String ONE_IN_FLIGHT = """
      limits:
        rules:
          slots:
            in_flight: 1
      """;

  @TempDir
  Path stateDir;

  private GateDriver gate;

  private void start(String policy) {
    gate = new GateDriver(new PolicyGate(PolicyFile.parse(policy), new FakeTokens()), Duration.ofSeconds(1), stateDir, START);
  }

  @AfterEach
  void stop() {
    if (gate != null) {
      gate.close();
    }
  }

  private TaskRequest submit(String tenant, String submitter, String action) {
    TaskRequest request = Submission.of(tenant, action).payload("{\"text\":\"hi\"}").toRequest(gate.now().toEpochMilli());
    request.setSubmitter(submitter);
    return gate.submit(request);
  }

  private Map<String, String> latestOutcomes() {
    return gate.status.readValuesToList().stream()
        .collect(Collectors.toMap(RequestStatus::getRequestId, s -> s.getOutcome() + (s.getReason() == null ? "" : "/" + s.getReason()),
            (first, later) -> later));
  }

  @Test
  void overItsRateARequestWaitsAndIsReleasedInOrderOnceTheWindowAllowsWhileAnotherTenantRunsAtOnce() {
    start(ONE_PER_SECOND.formatted("wait"));

    TaskRequest first = submit("flood-co", null, "summarize");
    TaskRequest second = submit("flood-co", null, "tag");
    TaskRequest third = submit("flood-co", null, "classify");
    TaskRequest other = submit("calm-co", null, "summarize");

    assertEquals(List.of(first.getRequestId(), other.getRequestId()), gate.routedIds());
    Map<String, String> outcomes = latestOutcomes();
    assertEquals("HELD/RATE_LIMITED", outcomes.get(second.getRequestId()));
    assertEquals("HELD/RATE_LIMITED", outcomes.get(third.getRequestId()));
    assertEquals("ROUTED", outcomes.get(other.getRequestId()));

    gate.advance(Duration.ofMillis(600));
    assertEquals(List.of(), gate.routedIds(), "no token before the window allows");
    gate.advance(Duration.ofMillis(400));
    assertEquals(List.of(second.getRequestId()), gate.routedIds());
    TaskRequest fourth = submit("flood-co", null, "summarize");
    gate.advance(Duration.ofSeconds(1));
    assertEquals(List.of(third.getRequestId()), gate.routedIds(), "a later arrival waits behind the held ones");
    gate.advance(Duration.ofSeconds(1));
    assertEquals(List.of(fourth.getRequestId()), gate.routedIds());
    assertEquals("ROUTED", latestOutcomes().get(fourth.getRequestId()));
  }

  @Test
  void overAnOnLimitBlockRuleARequestIsBlockedRateLimited() {
    start(ONE_PER_SECOND.formatted("block"));

    TaskRequest first = submit("flood-co", null, "summarize");
    TaskRequest second = submit("flood-co", null, "summarize");

    assertEquals(List.of(first.getRequestId()), gate.routedIds());
    List<BlockedTask> blocked = gate.blocked.readValuesToList();
    assertEquals(List.of(second.getRequestId()), blocked.stream().map(b -> b.getRequest().getRequestId()).toList());
    assertEquals("RATE_LIMITED", blocked.get(0).getReason());
    assertTrue(blocked.get(0).getDetail().contains("limit per-tenant"), blocked.get(0).getDetail());
    gate.advance(Duration.ofSeconds(5));
    assertEquals(List.of(), gate.routedIds(), "a blocked request never runs");
  }

  @Test
  void onlyTheFinalStatusOfTheReleasedRequestForItsTenantFreesItsSlotNotAForgedOne() {
    start(ONE_IN_FLIGHT);
    TestInputTopic<String, RequestStatus> statuses = gate.input(gate.catalog.requestStatus);

    TaskRequest running = submit("acme", null, "summarize");
    TaskRequest waiting = submit("acme", null, "summarize");
    TaskRequest otherTenantsRequest = submit("globex", null, "summarize");
    assertEquals(List.of(running.getRequestId(), otherTenantsRequest.getRequestId()), gate.routedIds());

    // forged: an id that was never released, and the right id under another tenant
    TaskRequest stranger = Submission.of("acme", "summarize").toRequest(0L);
    statuses.pipeInput(stranger.getRequestId(), Statuses.of(stranger, null, Outcome.EXECUTED, null, null, 0L));
    TaskRequest otherTenant = TaskRequest.newBuilder(running).setTenantId("evil-co").build();
    statuses.pipeInput(running.getRequestId(), Statuses.of(otherTenant, null, Outcome.EXECUTED, null, null, 0L));
    gate.advance(Duration.ofSeconds(1));
    assertEquals(List.of(), gate.routedIds(), "no forged status freed the slot");

    statuses.pipeInput(running.getRequestId(), Statuses.of(running, null, Outcome.EXECUTED, null, null, 0L));
    gate.advance(Duration.ofSeconds(1));
    assertEquals(List.of(waiting.getRequestId()), gate.routedIds());
  }

  /**
   * Red team (red5): a slot is held per request id, and a DLQ replay releases the id again, taking the earlier
   * release's flight over. Nothing orders the earlier release's final status (status topic, finals-by-tenant)
   * before the replay (replays topic, gate, allowed-by-tenant): when it arrives after the replay was released, it
   * frees the replay's slot while the replay runs, and one more request starts than {@code in_flight} allows.
   */
  @Disabled("red-team: a status names no release (no generation), so a late final status of an earlier release frees its replay's slot; needs a field on RequestStatus")
  @Test
  void aLateFinalStatusOfAnEarlierReleaseDoesNotFreeTheSlotOfItsReplay() {
    start("limits: { rules: { slots: { in_flight: 2 } } }\n");
    TestInputTopic<String, RequestStatus> statuses = gate.input(gate.catalog.requestStatus);
    TaskRequest first = submit("acme", null, "summarize");
    TaskRequest replay = TaskRequest.newBuilder(first).setReplay(io.fabric.contracts.ReplayLineage.newBuilder().setDeadLetterId("dl-1")
        .setGeneration(1).setReplayedAt(gate.now().toEpochMilli()).setReplayedBy("ops@host").build()).build();
    gate.replays.pipeInput(io.fabric.schemas.records.IngressKey.of(replay), replay, gate.now());
    TaskRequest second = submit("acme", null, "summarize");
    TaskRequest third = submit("acme", null, "summarize");
    assertEquals(List.of(first.getRequestId(), first.getRequestId(), second.getRequestId()), gate.routedIds(),
        "the replay took its request's slot over; with the second request, two are in flight and the third waits");

    statuses.pipeInput(first.getRequestId(), Statuses.of(first, null, Outcome.DEAD_LETTER, null, "the first release failed", 0L));
    gate.advance(Duration.ofSeconds(1));

    assertEquals(List.of(), gate.routedIds(), "the replay and the second still run: " + third.getRequestId() + " must wait");
  }

  @Test
  void aHotReloadLoweringALimitAppliesToHeldRequestsAndOneMakingTheActionForbiddenBlocksThem() {
    start("limits: { rules: { r: { class: A, rate: { requests: 10, per: PT1S, burst: 2 } } } }\n");
    TestInputTopic<String, String> policyTopic = gate.input(gate.catalog.policy);

    List<TaskRequest> sent = List.of(submit("acme", null, "summarize"), submit("acme", null, "summarize"), submit("acme", null, "summarize"),
        submit("acme", null, "tag"));
    assertEquals(2, gate.routedIds().size(), "the burst of 2");

    // lowered to 1 per minute, then tag made forbidden
    policyTopic.pipeInput(PublishedPolicy.ACTIVE_KEY, "limits: { rules: { r: { class: A, rate: { requests: 1, per: PT1M } } } }\n", gate.now());
    gate.advance(Duration.ofSeconds(1));
    assertEquals(List.of(), gate.routedIds(), "10/s would have released both; 1/min releases none yet (the bucket is capped at the new burst, 1, and was empty)");
    policyTopic.pipeInput(PublishedPolicy.ACTIVE_KEY, "classes: { C: [tag] }\nlimits: { rules: { r: { class: A, rate: { requests: 1, per: PT1M } } } }\n",
        gate.now());
    gate.advance(Duration.ofSeconds(1));
    Map<String, String> outcomes = latestOutcomes();
    assertEquals("BLOCKED/FORBIDDEN", outcomes.get(sent.get(3).getRequestId()), "judged again by the policy in force while held");
    gate.advance(Duration.ofMinutes(1));
    assertEquals(List.of(sent.get(2).getRequestId()), gate.routedIds());
  }

  @Test
  void unsignedRequestsCannotEscapeAPerSubmitterBudgetByClaimingManySubmitterNames() {
    start("limits: { rules: { agents: { per: submitter, rate: { requests: 2, per: PT1M }, on_limit: block } } }\n");

    for (int i = 0; i < 20; i++) {
      submit("acme", "bot-" + i, "summarize");
    }

    assertEquals(2, gate.routedIds().size(), "without signed requests a submitter name is only a claim: they share one budget");
    assertEquals(18, gate.blocked.readValuesToList().size());
  }

  @Test
  void aFullQueueBlocksTheNextRequestAndAPolicyThatNowBlocksEmptiesTheQueue() {
    start("limits: { rules: { r: { rate: { requests: 1, per: PT1H }, max_held: 2 } } }\n");
    TestInputTopic<String, String> policyTopic = gate.input(gate.catalog.policy);

    List<TaskRequest> sent = List.of(submit("acme", null, "summarize"), submit("acme", null, "summarize"), submit("acme", null, "summarize"),
        submit("acme", null, "summarize"));

    Map<String, String> outcomes = latestOutcomes();
    assertEquals(List.of("ROUTED", "HELD/RATE_LIMITED", "HELD/RATE_LIMITED", "BLOCKED/RATE_LIMITED"),
        sent.stream().map(r -> outcomes.get(r.getRequestId())).toList());
    policyTopic.pipeInput(PublishedPolicy.ACTIVE_KEY, "limits: { rules: { r: { rate: { requests: 1, per: PT1H }, on_limit: block } } }\n",
        gate.now());
    gate.advance(Duration.ofSeconds(1));
    Map<String, String> after = latestOutcomes();
    assertEquals("BLOCKED/RATE_LIMITED", after.get(sent.get(1).getRequestId()));
    assertEquals("BLOCKED/RATE_LIMITED", after.get(sent.get(2).getRequestId()));
  }

  @Test
  void aPluginCapIsSharedRoundRobinSoOneTenantsBacklogNeverStarvesAnother() {
    start("""
        limits:
          plugins:
            vendor: { actions: [summarize, tag], calls: { requests: 1, per: PT1S }, in_flight: 2 }
        """);
    TestInputTopic<String, RequestStatus> statuses = gate.input(gate.catalog.requestStatus);

    List<TaskRequest> flood = new java.util.ArrayList<>();
    for (int i = 0; i < 6; i++) {
      flood.add(submit("flood-co", null, "summarize"));
    }
    TaskRequest calm = submit("calm-co", null, "tag");
    TaskRequest uncapped = submit("calm-co", null, "classify");

    assertEquals(List.of(flood.get(0).getRequestId(), uncapped.getRequestId()), gate.routedIds(), "one call per second; other plugins go on");
    assertEquals("HELD/RATE_LIMITED", latestOutcomes().get(calm.getRequestId()));
    gate.advance(Duration.ofSeconds(1));
    assertEquals(List.of(calm.getRequestId()), gate.routedIds(), "calm-co's one task goes next, not after flood-co's backlog");
    gate.advance(Duration.ofSeconds(1));
    assertEquals(List.of(), gate.routedIds(), "two in flight: the cap's in_flight");
    statuses.pipeInput(calm.getRequestId(), Statuses.of(calm, null, Outcome.EXECUTED, null, null, 0L));
    gate.advance(Duration.ofSeconds(1));
    assertEquals(List.of(flood.get(1).getRequestId()), gate.routedIds(), "a final status frees a call slot");
  }

  @Test
  void aTaskThePluginCapStageBlocksAsItReleasesItFreesItsTenantsSlot() {
    String limits = """
        limits:
          rules:
            slots: { in_flight: 1 }
          plugins:
            vendor: { actions: [tag], in_flight: 1 }
        """;
    start(limits);
    TestInputTopic<String, String> policyTopic = gate.input(gate.catalog.policy);
    TestInputTopic<String, RequestStatus> statuses = gate.input(gate.catalog.requestStatus);

    TaskRequest running = submit("acme", null, "tag");
    TaskRequest capped = submit("globex", null, "tag");
    assertEquals(List.of(running.getRequestId()), gate.routedIds());
    assertEquals("HELD/RATE_LIMITED", latestOutcomes().get(capped.getRequestId()), "released by globex's limits, waits for the cap");

    // tag is forbidden now: the cap stage judges its held task again as the cap frees, and blocks it
    policyTopic.pipeInput(PublishedPolicy.ACTIVE_KEY, "classes: { C: [tag] }\n" + limits, gate.now());
    statuses.pipeInput(running.getRequestId(), Statuses.of(running, null, Outcome.EXECUTED, null, null, 0L));
    gate.advance(Duration.ofSeconds(1));
    assertEquals("BLOCKED/FORBIDDEN", latestOutcomes().get(capped.getRequestId()));

    TaskRequest next = submit("globex", null, "summarize");
    gate.advance(Duration.ofSeconds(1));
    assertEquals(List.of(next.getRequestId()), gate.routedIds(), "the BLOCKED status freed globex's slot");
  }

  @Test
  void aSlotWhoseFinalStatusNeverComesIsReclaimedAfterItsLeaseSaidOutLoudAndTheNextHeldRequestStarts() {
    start("""
        limits:
          rules:
            slots: { in_flight: 1 }
          slot_lease: PT5M
        """);

    TaskRequest lost = submit("acme", null, "summarize");
    TaskRequest waiting = submit("acme", null, "summarize");
    assertEquals(List.of(lost.getRequestId()), gate.routedIds());

    gate.advance(Duration.ofMinutes(4));
    assertEquals(List.of(), gate.routedIds(), "within the lease the slot is the lost request's");
    gate.advance(Duration.ofMinutes(1).plus(PolicyTopology.SLOT_LEASE_CHECK_INTERVAL));
    gate.advance(Duration.ofSeconds(1));

    assertEquals(List.of(waiting.getRequestId()), gate.routedIds());
    List<io.fabric.contracts.AuditEvent> reclaimed = gate.audits(io.fabric.schemas.records.AuditEvents.SLOT_RECLAIMED);
    assertEquals(List.of(lost.getRequestId()), reclaimed.stream().map(io.fabric.contracts.AuditEvent::getRequestId).toList());
    assertEquals("acme", reclaimed.get(0).getTenantId());
    assertTrue(reclaimed.get(0).getDetail().contains("slots|acme"), reclaimed.get(0).getDetail());
  }

  @Test
  void aPluginCapSlotWhoseStatusCannotReachItsCapAfterAHotReloadIsReclaimedAfterTheLease() {
    String capped = "limits: { slot_lease: PT5M, plugins: { vendor: { actions: [tag], in_flight: 1 } } }\n";
    start(capped);
    TestInputTopic<String, String> policyTopic = gate.input(gate.catalog.policy);
    TestInputTopic<String, RequestStatus> statuses = gate.input(gate.catalog.requestStatus);

    TaskRequest first = submit("acme", null, "tag");
    assertEquals(List.of(first.getRequestId()), gate.routedIds());
    // the cap is dropped while the call runs, so its final status is routed to no cap; then the cap comes back
    policyTopic.pipeInput(PublishedPolicy.ACTIVE_KEY, "limits: { slot_lease: PT5M }\n", gate.now());
    statuses.pipeInput(first.getRequestId(), Statuses.of(first, null, Outcome.EXECUTED, null, null, 0L));
    policyTopic.pipeInput(PublishedPolicy.ACTIVE_KEY, capped, gate.now());
    TaskRequest second = submit("acme", null, "tag");
    gate.advance(Duration.ofSeconds(1));
    assertEquals(List.of(), gate.routedIds(), "the cap still counts the first call");

    gate.advance(Duration.ofMinutes(5).plus(PolicyTopology.SLOT_LEASE_CHECK_INTERVAL));
    gate.advance(Duration.ofSeconds(1));
    assertEquals(List.of(second.getRequestId()), gate.routedIds());
    assertEquals(List.of(first.getRequestId()), gate.audits(io.fabric.schemas.records.AuditEvents.SLOT_RECLAIMED).stream()
        .map(io.fabric.contracts.AuditEvent::getRequestId).toList());
  }
}
