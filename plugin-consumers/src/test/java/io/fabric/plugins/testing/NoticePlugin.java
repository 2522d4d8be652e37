package io.fabric.plugins.testing;

import io.fabric.plugins.spi.InDoubtSupport;
import java.util.Map;

/** Sends a notice through a channel with no idempotency and no way to look a message up: {@link InDoubtSupport#NONE}. */
public final class NoticePlugin extends RecordingPlugin {
  public static final String NAME = "notice";
  public static final String ACTION = "send_notice";

  public NoticePlugin() {
    super(NAME, ACTION, InDoubtSupport.NONE);
  }

  @Override
  protected Map<String, Object> result(Map<String, Object> payload) {
    return Map.of("notice", Map.of("sent", true));
  }
}
