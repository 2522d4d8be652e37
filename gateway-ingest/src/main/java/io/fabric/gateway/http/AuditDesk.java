package io.fabric.gateway.http;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The audit chain and evidence packs as the gateway serves them: {@code fabric audit verify -o json},
 * {@code fabric audit tail -o json} and {@code fabric evidence export}/{@code verify --against-kafka}.
 * {@code fabric run} plugs in the audit module's readers, which the gateway module does not depend on.
 */
public interface AuditDesk {
  /** One chained audit event: its tenant (null for one without) and what is shown. */
  record Event(String tenantId, Map<String, Object> view) {}

  /** A flow's evidence pack: the file, and every tenant its records name (the gateway serves it only if the caller holds them all). */
  record Pack(Set<String> tenants, String text) {}

  /** The whole chain's verification; it names offsets, sequences and hashes, never an event's content. */
  Map<String, Object> chainVerification();

  /**
   * The last events ({@code type flow request since n}, as {@code fabric audit tail}) of the tenants {@code visible} accepts.
   *
   * @throws IllegalArgumentException naming the filter that is wrong
   */
  List<Event> events(Map<String, List<String>> filters, Predicate<String> visible);

  /** The flow's pack, exported now; empty when nothing is recorded for it. */
  Optional<Pack> evidence(String flowId);

  /** The pack checked as {@code fabric evidence verify --against-kafka -o json} checks it. */
  Map<String, Object> verify(String packText);
}
