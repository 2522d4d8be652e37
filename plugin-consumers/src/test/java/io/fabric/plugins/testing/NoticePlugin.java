package io.fabric.plugins.testing;

import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.TaskContext;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/** Sends a notice through a channel with no idempotency and no way to look a message up: {@link InDoubtSupport#NONE}. */
public final class NoticePlugin implements FabricPlugin {
  public static final String NAME = "notice";
  public static final String ACTION = "send_notice";

  public final List<String> sent = new CopyOnWriteArrayList<>();

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
    return InDoubtSupport.NONE;
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) {
    sent.add(context.requestId());
    return Map.of("notice", Map.of("sent", true));
  }
}
