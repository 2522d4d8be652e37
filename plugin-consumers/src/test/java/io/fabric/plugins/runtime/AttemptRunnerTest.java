package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.plugins.runtime.AttemptRunner.Attempted;
import io.fabric.plugins.runtime.ExecutionIntent.Kind;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.RetryPolicy;
import io.fabric.plugins.spi.RetryableTaskException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One attempt, without Kafka: intents in a map, a fixed clock, a counted call. */
class AttemptRunnerTest {
  private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
  private static final RetryPolicy RETRIES = new RetryPolicy(5, Duration.ofSeconds(4), Duration.ofSeconds(30));

  private final Map<String, ExecutionIntent> intents = new HashMap<>();
  private final List<ExecutionIntent> committed = new ArrayList<>();
  private final AtomicInteger calls = new AtomicInteger();

  private final AttemptRunner.Intents log = new AttemptRunner.Intents() {
    @Override
    public Optional<ExecutionIntent> find(String flowId, String intentId) {
      return Optional.ofNullable(intents.get(intentId));
    }

    @Override
    public void commit(ExecutionIntent intent, String traceparent) {
      committed.add(intent);
      intents.put(intent.requestId(), intent);
    }

    @Override
    public void beforeCall(long lastCallNanos) {}
  };

  private static AttemptRunner runner(Instant now) {
    return new AttemptRunner("charge", "test", Clock.fixed(now, ZoneOffset.UTC));
  }

  private static AttemptRunner.Attempt attempt(Kind kind, InDoubtSupport support) {
    String id = kind == Kind.EXECUTE ? "r1" : CompensationHandler.intentId("r1");
    return new AttemptRunner.Attempt("f1", "r1", id, kind, "charge_card", id, null, null, support, RETRIES);
  }

  @Test
  void aFailedRetryableCallBacksOffAndItsIntentCarriesTheNextAttemptTime() {
    Attempted attempted = runner(T0).run(attempt(Kind.EXECUTE, InDoubtSupport.NONE), context -> {
      calls.incrementAndGet();
      throw new RetryableTaskException("503");
    }, log);

    Duration delay = assertInstanceOf(AttemptRunner.BackingOff.class, attempted).delay();
    assertTrue(delay.compareTo(Duration.ZERO) > 0 && delay.compareTo(Duration.ofSeconds(4)) <= 0, delay::toString);
    ExecutionIntent retry = intents.get("r1");
    assertEquals(0, retry.pendingAttempt());
    assertEquals(T0.plus(delay).toEpochMilli(), retry.notBefore());
  }

  @Test
  void aRetryFoundByANewOwnerBeforeItsNextAttemptTimeStillWaits() {
    runner(T0).run(attempt(Kind.EXECUTE, InDoubtSupport.NONE), context -> {
      calls.incrementAndGet();
      throw new RetryableTaskException("503");
    }, log);

    Instant nextAttempt = Instant.ofEpochMilli(intents.get("r1").notBefore());

    // a rebalance hands the partition to another runtime half a second before the backoff ends: it must wait
    Attempted early = runner(nextAttempt.minusMillis(500)).run(attempt(Kind.EXECUTE, InDoubtSupport.NONE), context -> {
      calls.incrementAndGet();
      return Map.of();
    }, log);

    assertEquals(Duration.ofMillis(500), assertInstanceOf(AttemptRunner.BackingOff.class, early).delay());
    assertEquals(1, calls.get(), "no call before the next-attempt time");
    Attempted due = runner(nextAttempt).run(attempt(Kind.EXECUTE, InDoubtSupport.NONE), context -> {
      calls.incrementAndGet();
      return Map.of("ok", true);
    }, log);
    assertInstanceOf(AttemptRunner.Done.class, due);
    assertEquals(2, calls.get());
  }

  @Test
  void anInDoubtCompensationIsCalledAgainWhenTheCompensationCanBeRepeated() {
    intents.put(CompensationHandler.intentId("r1"), new ExecutionIntent("f1", CompensationHandler.intentId("r1"), Kind.COMPENSATE,
        "charge", "charge_card", CompensationHandler.intentId("r1"), 1, false, List.of(), T0.toEpochMilli(), 0));

    Attempted attempted = runner(T0.plusSeconds(60)).run(attempt(Kind.COMPENSATE, InDoubtSupport.VENDOR_IDEMPOTENCY), context -> {
      calls.incrementAndGet();
      assertTrue(context.inDoubt());
      return Map.of("cancelled", true);
    }, log);

    assertInstanceOf(AttemptRunner.Done.class, attempted);
    assertEquals(1, calls.get());
  }

  private static AttemptRunner.Attempt execute(String idempotencyKey) {
    return new AttemptRunner.Attempt("f1", "r1", "r1", Kind.EXECUTE, "charge_card", idempotencyKey, null, null,
        InDoubtSupport.VENDOR_IDEMPOTENCY, RETRIES);
  }

  @Test
  void everyAttemptOfAStepSendsTheKeyItsFirstAttemptSent() {
    String scoped = VendorIdempotencyKey.of("acme", "order-42");
    List<String> sent = new ArrayList<>();
    runner(T0).run(execute(scoped), context -> {
      sent.add(context.idempotencyKey());
      throw new RetryableTaskException("503");
    }, log);
    runner(T0.plusSeconds(60)).run(execute(scoped), context -> {
      sent.add(context.idempotencyKey());
      return Map.of();
    }, log);

    assertEquals(List.of("tenant:acme:order-42", "tenant:acme:order-42"), sent);
    assertTrue(committed.stream().allMatch(i -> i.idempotencyKey().equals(scoped)), committed.toString());
  }

  /**
   * Upgrading from a version that sent the bare key: a step in doubt (or backing off) across the upgrade is
   * called again with the key its intent recorded, so the vendor deduplicates it; the scoped key would be a
   * new operation to it (a second charge).
   */
  @Test
  void aStepInDoubtFromBeforeKeysWereScopedIsCalledAgainWithTheBareKeyItFirstSent() {
    intents.put("r1", new ExecutionIntent("f1", "r1", Kind.EXECUTE, "charge", "charge_card", "order-42", 1, false, List.of(),
        T0.toEpochMilli(), 0));
    List<String> sent = new ArrayList<>();

    Attempted attempted = runner(T0.plusSeconds(60)).run(execute(VendorIdempotencyKey.of("acme", "order-42")), context -> {
      sent.add(context.idempotencyKey());
      assertTrue(context.inDoubt());
      return Map.of("charged", true);
    }, log);

    assertInstanceOf(AttemptRunner.Done.class, attempted);
    assertEquals(List.of("order-42"), sent);
    assertEquals("order-42", committed.get(committed.size() - 1).idempotencyKey(), "and its intent keeps it");
  }

  @Test
  void twoTenantsSameKeyAreTwoKeysForTheVendor() {
    assertEquals("tenant:acme:order-42", VendorIdempotencyKey.of("acme", "order-42"));
    assertTrue(!VendorIdempotencyKey.of("acme", "order-42").equals(VendorIdempotencyKey.of("globex", "order-42")));
    assertEquals("tenant:acme:tenant:acme:x", VendorIdempotencyKey.of("acme", "tenant:acme:x"), "always scoped: never meets the key x");
    assertEquals(null, VendorIdempotencyKey.of("acme", null));
  }
}
