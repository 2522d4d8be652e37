package io.fabric.plugins.testing;

import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.TaskContext;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/** A one-action test plugin that records the request id of every call (repeats included). */
public abstract class RecordingPlugin implements FabricPlugin {
  /** The request ids of every call, in call order. */
  public final List<String> calls = new CopyOnWriteArrayList<>();

  private final String name;
  private final String action;
  private final InDoubtSupport inDoubtSupport;

  protected RecordingPlugin(String name, String action, InDoubtSupport inDoubtSupport) {
    this.name = name;
    this.action = action;
    this.inDoubtSupport = inDoubtSupport;
  }

  /** What a call returns. */
  protected abstract Map<String, Object> result(Map<String, Object> payload);

  @Override
  public String name() {
    return name;
  }

  @Override
  public Set<String> taskTypes() {
    return Set.of(action);
  }

  @Override
  public InDoubtSupport inDoubtSupport() {
    return inDoubtSupport;
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) {
    calls.add(context.requestId());
    return result(payload);
  }
}
