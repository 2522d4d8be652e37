package io.fabric.gateway.http;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The dead letters as the gateway serves them: the listing of {@code fabric dlq list -o json}, one as
 * {@code fabric dlq show -o json}, and the replay of one as {@code fabric dlq replay} does it (a dry
 * run with the loop guard's verdict, or the replay itself). The gateway module does not depend on the
 * replayer: {@code fabric run} plugs it in. Every item carries its tenant so the gateway can scope it.
 */
public interface DeadLetterDesk {
  /** One dead letter: its tenant (null when it has none, e.g. undecodable bytes) and what is shown. */
  record Item(String id, String tenantId, Map<String, Object> view) {}

  /**
   * The dead letters the filters select ({@code tenant flow action stage reason error from to by_duration},
   * as {@code fabric dlq list}'s options), oldest first.
   *
   * @throws IllegalArgumentException naming the filter that is wrong
   */
  List<Item> list(Map<String, List<String>> filters);

  Optional<Item> find(String id);

  /**
   * Replays (or, unless {@code execute}, plans the replay of) the dead letter with this id, but only if
   * {@code tenantAllowed} accepts its tenant: the check is made on the record the replayer reads, so a
   * second record claiming the same id for another tenant is never replayed.
   *
   * @param by who asked (kept in the replay ledger and the {@code REPLAYED} audit event)
   * @return the report, as {@code fabric dlq replay -o json} prints it
   */
  Map<String, Object> replay(String id, Predicate<String> tenantAllowed, boolean execute, String by);
}
