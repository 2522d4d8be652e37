package io.fabric.gateway.http;

import java.time.Duration;

/**
 * Limits and address of the HTTP gateway.
 *
 * @param host the address it binds (and the only host name besides loopback it answers to)
 * @param port 0 picks a free port
 * @param maxBodyBytes a larger body gets 413
 * @param maxBatch most tasks in one {@code POST /v1/tasks}; more gets 413
 * @param maxInFlight most records waiting for Kafka's acknowledgement; past it, 429
 * @param retryAfter what {@code Retry-After} says on 429 and 503
 * @param maxWait the longest long poll ({@code /wait?timeout=} is clamped to it)
 * @param pollInterval how often a long poll looks at the store again
 * @param hostAliases further names it answers to in the {@code Host} header (a Service's DNS names); see {@link HostNames}
 */
public record GatewayConfig(String host, int port, int maxBodyBytes, int maxBatch, int maxInFlight, Duration retryAfter,
                            Duration maxWait, Duration pollInterval, java.util.Set<String> hostAliases) {
  public static final int DEFAULT_PORT = 8080;

  public static GatewayConfig defaults(String host, int port) {
    return new GatewayConfig(host, port, 1 << 20, 100, 10_000, Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMillis(50),
        java.util.Set.of());
  }

  public GatewayConfig withMaxInFlight(int records) {
    return new GatewayConfig(host, port, maxBodyBytes, maxBatch, records, retryAfter, maxWait, pollInterval, hostAliases);
  }

  public GatewayConfig withLimits(int bodyBytes, int batch) {
    return new GatewayConfig(host, port, bodyBytes, batch, maxInFlight, retryAfter, maxWait, pollInterval, hostAliases);
  }

  public GatewayConfig withHostAliases(java.util.Set<String> names) {
    return new GatewayConfig(host, port, maxBodyBytes, maxBatch, maxInFlight, retryAfter, maxWait, pollInterval, java.util.Set.copyOf(names));
  }
}
