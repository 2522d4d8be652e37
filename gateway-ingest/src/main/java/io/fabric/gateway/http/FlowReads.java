package io.fabric.gateway.http;

import java.util.Map;
import java.util.Optional;

/** A flow's latest checkpoint as {@code fabric flows show -o json} prints it, with its tenant for scoping. */
@FunctionalInterface
public interface FlowReads {
  record Flow(String tenantId, Map<String, Object> view) {}

  Optional<Flow> find(String flowId);
}
