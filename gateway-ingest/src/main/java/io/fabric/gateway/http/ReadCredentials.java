package io.fabric.gateway.http;

import java.util.Optional;

/**
 * Checks a submitter's signed read credential ({@code Authorization: Fabric-Ed25519 NAME:MILLIS:SIG},
 * made by {@code RequestSigner#authorization}) against the gate's submitter registry, which the
 * gateway module does not depend on: {@code fabric run} plugs the gate's verifier in.
 */
@FunctionalInterface
public interface ReadCredentials {
  /** The caller, or empty with the reason why not. */
  record Verdict(Optional<Caller> caller, String problem) {}

  Verdict check(String authorization, String method, String path, long nowMillis);
}
