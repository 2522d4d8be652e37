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
 * @param peers how instances vouch for the reads they forward to each other; null: this instance forwards no read and
 *     accepts none (a read another instance holds gets 503), which is the safe default for a single instance
 * @param maxRequestsPerKey most requests one API key may have in flight at once; past it, 429 (see {@link RequestGuard})
 * @param bodyTimeout the longest a request body may take to arrive in full; past it the connection is closed
 */
public record GatewayConfig(String host, int port, int maxBodyBytes, int maxBatch, int maxInFlight, Duration retryAfter,
                            Duration maxWait, Duration pollInterval, java.util.Set<String> hostAliases, PeerAuthentication peers,
                            int maxRequestsPerKey, Duration bodyTimeout) {
  public static final int DEFAULT_PORT = 8080;
  /** Enough for a client's parallel submissions and long polls; far below Jetty's 200 threads. */
  public static final int DEFAULT_MAX_REQUESTS_PER_KEY = 64;
  /** A 1 MiB body takes well under a second on any working link; 20 s leaves room for a slow one. */
  public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(20);

  public GatewayConfig {
    if (maxRequestsPerKey < 1) {
      throw new IllegalArgumentException("the requests in flight per API key must be at least 1, not " + maxRequestsPerKey);
    }
    if (bodyTimeout == null || bodyTimeout.isNegative() || bodyTimeout.isZero()) {
      throw new IllegalArgumentException("the body timeout must be positive, not " + bodyTimeout);
    }
  }

  public static GatewayConfig defaults(String host, int port) {
    return new GatewayConfig(host, port, 1 << 20, 100, 10_000, Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMillis(50),
        java.util.Set.of(), null, DEFAULT_MAX_REQUESTS_PER_KEY, DEFAULT_BODY_TIMEOUT);
  }

  public GatewayConfig withMaxInFlight(int records) {
    return new GatewayConfig(host, port, maxBodyBytes, maxBatch, records, retryAfter, maxWait, pollInterval, hostAliases, peers,
        maxRequestsPerKey, bodyTimeout);
  }

  public GatewayConfig withLimits(int bodyBytes, int batch) {
    return new GatewayConfig(host, port, bodyBytes, batch, maxInFlight, retryAfter, maxWait, pollInterval, hostAliases, peers,
        maxRequestsPerKey, bodyTimeout);
  }

  public GatewayConfig withHostAliases(java.util.Set<String> names) {
    return new GatewayConfig(host, port, maxBodyBytes, maxBatch, maxInFlight, retryAfter, maxWait, pollInterval, java.util.Set.copyOf(names),
        peers, maxRequestsPerKey, bodyTimeout);
  }

  /** @param authentication the shared secret's signer; null forwards no read */
  public GatewayConfig withPeers(PeerAuthentication authentication) {
    return new GatewayConfig(host, port, maxBodyBytes, maxBatch, maxInFlight, retryAfter, maxWait, pollInterval, hostAliases,
        authentication, maxRequestsPerKey, bodyTimeout);
  }

  public GatewayConfig withRequestGuard(int requestsPerKey, Duration body) {
    return new GatewayConfig(host, port, maxBodyBytes, maxBatch, maxInFlight, retryAfter, maxWait, pollInterval, hostAliases, peers,
        requestsPerKey, body);
  }
}
