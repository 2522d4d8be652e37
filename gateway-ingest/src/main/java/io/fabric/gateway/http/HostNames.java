package io.fabric.gateway.http;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The names the gateway answers to in a request's {@code Host} header: loopback, the address it binds,
 * and the aliases it was given (a Kubernetes Service's DNS names, a compose service name, a load
 * balancer's name). Any other name is refused, so a web page that rebinds its own DNS name to the
 * gateway's address (DNS rebinding) cannot drive it from a browser.
 */
final class HostNames {
  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]");
  private static final Pattern PORT_SUFFIX = Pattern.compile(":\\d+$");

  private final Set<String> accepted = new LinkedHashSet<>();

  HostNames(String boundHost, Set<String> aliases) {
    accepted.add(normalise(boundHost));
    aliases.forEach(alias -> accepted.add(normalise(alias)));
  }

  /** @param header the {@code Host} header as sent, with or without a port; null when absent */
  boolean accepts(String header) {
    String name = header == null ? "" : normalise(PORT_SUFFIX.matcher(header.trim()).replaceFirst(""));
    return LOOPBACK.contains(name) || accepted.contains(name);
  }

  /** The names besides loopback, for the refusal's message. */
  String describe() {
    return String.join(", ", accepted);
  }

  // DNS names are case-insensitive and may end with the root's dot ("fabric-gateway.fabric.svc.cluster.local.")
  private static String normalise(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
  }
}
