package io.fabric.gateway.http;

import io.fabric.contracts.RequestStatus;
import java.util.Optional;

/** Where the gateway finds a request's status: in this process's store, or in another instance's. */
public interface StatusReads {
  /** The answer for one request id. */
  sealed interface Location {
    /** This instance holds the id's partition; {@code status} is empty when the id is unknown. */
    record Here(Optional<RequestStatus> status) implements Location {}

    /** Another instance holds it; {@code hostPort} is its {@code application.server}. */
    record Elsewhere(String hostPort) implements Location {}

    /** Nobody can answer right now (starting, rebalancing). */
    record NotReady(String why) implements Location {}
  }

  Location locate(String requestId);

  /** True once reads can be answered (the store is running). */
  boolean ready();
}
