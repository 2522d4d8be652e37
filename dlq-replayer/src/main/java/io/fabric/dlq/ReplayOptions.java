package io.fabric.dlq;

/**
 * How a replay runs. {@code toTopic} null means each record goes back to its original topic;
 * {@code rate} 0 means unlimited; {@code max} 0 means all; {@code maxReplays} is the loop guard.
 */
public record ReplayOptions(String toTopic, double rate, int max, int maxReplays) {
  public static final int DEFAULT_MAX_REPLAYS = 3;

  public ReplayOptions {
    if (toTopic != null && toTopic.isBlank()) {
      throw new IllegalArgumentException("--to-topic must not be blank");
    }
    if (rate < 0 || Double.isNaN(rate) || Double.isInfinite(rate)) {
      throw new IllegalArgumentException("--rate must be a positive number of records per second, got " + rate);
    }
    if (max < 0) {
      throw new IllegalArgumentException("--max must be positive, got " + max);
    }
    if (maxReplays < 1) {
      throw new IllegalArgumentException("--max-replays must be at least 1, got " + maxReplays);
    }
  }

  public static ReplayOptions defaults() {
    return new ReplayOptions(null, 0, 0, DEFAULT_MAX_REPLAYS);
  }

  public ReplayOptions withToTopic(String topic) {
    return new ReplayOptions(topic, rate, max, maxReplays);
  }

  public ReplayOptions withRate(double perSecond) {
    return new ReplayOptions(toTopic, perSecond, max, maxReplays);
  }

  public ReplayOptions withMax(int count) {
    return new ReplayOptions(toTopic, rate, count, maxReplays);
  }

  public ReplayOptions withMaxReplays(int count) {
    return new ReplayOptions(toTopic, rate, max, count);
  }
}
