package io.fabric.plugins.testing;

import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryPolicy;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/** A Stripe-like plugin: charges through {@link VendorStub} with the task's idempotency key; refunds to compensate. */
public final class ChargePlugin implements FabricPlugin {
  public static final String NAME = "charge";
  public static final String ACTION = "charge_card";

  private final VendorStub vendor;
  /** Every context the plugin was called with (execute and compensate), in order. */
  public final List<TaskContext> calls = new CopyOnWriteArrayList<>();

  public ChargePlugin(VendorStub vendor) {
    this.vendor = vendor;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> taskTypes() {
    return Set.of(ACTION);
  }

  @Override
  public RetryPolicy retryPolicy() {
    return new RetryPolicy(2, Duration.ofMillis(20), Duration.ofMillis(40));
  }

  @Override
  public InDoubtSupport inDoubtSupport() {
    return InDoubtSupport.VENDOR_IDEMPOTENCY;
  }

  @Override
  public boolean compensable(String taskType) {
    return true;
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    calls.add(context);
    long amount = ((Number) payload.get("amount")).longValue();
    boolean refundable = !Boolean.FALSE.equals(payload.get("refundable"));
    VendorStub.Charge charge = vendor.charge(context.idempotencyKey(), amount, refundable);
    return Map.of("charges", Map.of(charge.id(), Map.of("amount", amount, "status", "charged")), "last_charge", charge.id());
  }

  @Override
  public Map<String, Object> compensate(String tenantId, Map<String, Object> payload, Map<String, Object> result,
                                        TaskContext context) throws TaskException {
    calls.add(context);
    String chargeId = (String) result.get("last_charge");
    try {
      VendorStub.Refund refund = vendor.refund(context.idempotencyKey(), chargeId);
      return Map.of("charges", Map.of(chargeId, Map.of("status", "refunded", "refund", refund.id())));
    } catch (IllegalStateException e) {
      throw new PermanentTaskException("vendor refused the refund: " + e.getMessage(), e);
    }
  }
}
