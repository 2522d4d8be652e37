package io.fabric.plugins.testing;

import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.TaskContext;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/** Computes without touching the world: {@link InDoubtSupport#SIDE_EFFECT_FREE}, so calling it again is harmless. */
public final class EchoPlugin implements FabricPlugin {
  public static final String NAME = "echo";
  public static final String ACTION = "echo";

  /** The request ids of every call, repeats included. */
  public final List<String> calls = new CopyOnWriteArrayList<>();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> taskTypes() {
    return Set.of(ACTION);
  }

  @Override
  public InDoubtSupport inDoubtSupport() {
    return InDoubtSupport.SIDE_EFFECT_FREE;
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) {
    calls.add(context.requestId());
    return Map.of("echo", payload);
  }
}
