package io.fabric.plugins.testing;

import io.fabric.plugins.spi.InDoubtSupport;
import java.util.Map;

/** Computes without touching the world: {@link InDoubtSupport#SIDE_EFFECT_FREE}, so calling it again is harmless. */
public final class EchoPlugin extends RecordingPlugin {
  public static final String NAME = "echo";
  public static final String ACTION = "echo";

  public EchoPlugin() {
    super(NAME, ACTION, InDoubtSupport.SIDE_EFFECT_FREE);
  }

  @Override
  protected Map<String, Object> result(Map<String, Object> payload) {
    return Map.of("echo", payload);
  }
}
