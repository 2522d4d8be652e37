package io.fabric.gateway.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class HostNamesTest {
  private final HostNames names = new HostNames("10.1.2.3", Set.of("fabric-gateway", "Fabric-Gateway.fabric.svc.cluster.local"));

  @Test
  void loopbackTheBoundAddressAndTheAliasesAreAcceptedWithOrWithoutAPort() {
    assertTrue(names.accepts("localhost:8080"));
    assertTrue(names.accepts("127.0.0.1"));
    assertTrue(names.accepts("[::1]:8080"));
    assertTrue(names.accepts("10.1.2.3:8080"));
    assertTrue(names.accepts("fabric-gateway:8080"));
    assertTrue(names.accepts("FABRIC-GATEWAY.fabric.svc.cluster.local."), "DNS names are case-insensitive and may be fully qualified");
  }

  @Test
  void anyOtherNameIsRefused() {
    assertFalse(names.accepts("attacker.example:80"));
    assertFalse(names.accepts("fabric-gateway.attacker.example"), "an alias is matched whole, not as a prefix");
    assertFalse(names.accepts(""));
    assertFalse(names.accepts(null));
    assertFalse(new HostNames("127.0.0.1", Set.of()).accepts("fabric-gateway"), "no alias unless given");
  }
}
