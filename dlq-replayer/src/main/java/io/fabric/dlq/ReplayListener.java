package io.fabric.dlq;

/** Follows a running replay, e.g. to draw a progress bar. Called on the replaying thread. */
public interface ReplayListener {
  ReplayListener NONE = new ReplayListener() {};

  /** Publishing starts; {@code toReplay} records will be republished if all goes well. */
  default void started(int toReplay) {}

  /** These records' transaction committed. */
  default void committed(int count) {}

  default void finished() {}
}
