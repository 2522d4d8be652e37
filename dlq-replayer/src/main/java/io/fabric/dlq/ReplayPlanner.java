package io.fabric.dlq;

import io.fabric.schemas.topics.ReservedNames;
import io.fabric.schemas.topics.TopicCatalog;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Decides, for each selected dead letter in order, whether a replay republishes it, skips it as
 * already replayed, or refuses it. Pure: it looks only at the entries (the original request they
 * carry included) and the ledger.
 *
 * <p>The rules, in order:
 * <ol>
 *   <li>An unreadable DLQ record is refused: its original topic and bytes are unknown.</li>
 *   <li>A failed compensation (its original record is a rollback request) is refused: the gate routes
 *       no rollback action; {@code fabric flows rollback} retries the compensation instead.</li>
 *   <li>A record without a topic to go to (no original topic and no {@code --to-topic}) is refused.
 *       A request goes to the replays topic (see {@link ReplayTarget}), anything else to its
 *       original topic.</li>
 *   <li>A dead-letter id seen earlier in the same run is skipped as already replayed (the DLQ may
 *       hold the same dead letter twice when a stage retried its write).</li>
 *   <li>A dead letter whose replay <em>to this target topic</em> is in the ledger is skipped as
 *       already replayed. So rerunning a replay, or resuming one that was killed, republishes
 *       nothing twice; replaying to another topic with {@code --to-topic} (say, a scratch topic to
 *       look at first) does not use up the replay to the original topic.</li>
 *   <li>Loop guard: the lineage's replays so far are the larger of the generation in the
 *       failed request's {@code ReplayLineage} (a field the gate and every stage carry along, so
 *       it survives a failure after the gate) and the {@value ReservedNames#REPLAY_COUNT_HEADER}
 *       header the failed record carried plus this dead letter's replays in the ledger. When that
 *       reaches {@code maxReplays}, the record is refused.</li>
 * </ol>
 */
public final class ReplayPlanner {
  private ReplayPlanner() {}

  /** @param catalog the fabric's topics: which original topics carry requests, and where those go back to */
  public static List<ReplayDecision> plan(List<DeadLetterEntry> entries, ReplayLedger ledger, ReplayOptions options,
                                          TopicCatalog catalog) {
    List<ReplayDecision> decisions = new ArrayList<>(entries.size());
    Set<String> seen = new HashSet<>();
    for (DeadLetterEntry entry : entries) {
      decisions.add(decide(entry, ledger, options, seen, catalog));
    }
    return decisions;
  }

  /**
   * How many times the request a dead letter carries was replayed before it failed, as its
   * {@code ReplayLineage} says; 0 when it is not a request or was never replayed.
   */
  public static int lineageGeneration(TopicCatalog catalog, DeadLetterEntry entry) {
    if (!entry.readable()) {
      return 0;
    }
    return ReplayTarget.originalRequest(catalog, entry.deadLetter()).map(ReplayTarget::previousGeneration).orElse(0);
  }

  private static ReplayDecision decide(DeadLetterEntry entry, ReplayLedger ledger, ReplayOptions options, Set<String> seen,
                                       TopicCatalog catalog) {
    if (!entry.readable()) {
      return refuse(entry, null, "the DLQ record itself cannot be decoded (" + entry.decodeError()
          + "); inspect it with `fabric dlq show " + entry.id() + "`");
    }
    var original = ReplayTarget.originalRequest(catalog, entry.deadLetter());
    if (original.isPresent() && ReservedNames.ROLLBACK_ACTION.equals(original.get().getAction())) {
      String flow = original.get().getFlowId();
      return refuse(entry, null, "it is a failed compensation of flow " + flow + ", not a request: replayed, the reserved "
          + "rollback action would go through the gate, where no plugin declares it. Check the step's effect, then retry "
          + "the compensation with `fabric flows rollback " + flow + " --execute`");
    }
    String target = options.toTopic() != null ? options.toTopic() : ReplayTarget.defaultTopic(catalog, entry.deadLetter());
    if (target == null || target.isBlank()) {
      return refuse(entry, null, "it has no original topic; name one with --to-topic");
    }
    if (!seen.add(entry.id())) {
      return new ReplayDecision(entry, ReplayDecision.Action.ALREADY_REPLAYED, target, 0,
          "duplicate of an earlier DLQ record with the same id");
    }
    var ledgerEntry = ledger.entry(entry.id());
    if (ledgerEntry.isPresent() && ledgerEntry.get().replayedTo(target)) {
      String detail = ledgerEntry.get().lastTo(target)
          .map(r -> "replayed to " + target + " at " + r.at() + " by " + r.by())
          .orElse("its ledger entry is unreadable, so it counts as replayed");
      return new ReplayDecision(entry, ReplayDecision.Action.ALREADY_REPLAYED, target, 0, detail);
    }
    OptionalInt lineage = ReplayHeaders.lineageReplays(entry);
    if (lineage.isEmpty()) {
      return refuse(entry, target, "its " + ReservedNames.REPLAY_COUNT_HEADER + " header is not a number");
    }
    int previous = Math.max(lineageGeneration(catalog, entry), lineage.getAsInt() + ledger.timesReplayed(entry.id()));
    if (previous >= options.maxReplays()) {
      return refuse(entry, target, "loop guard: replayed " + previous + " time" + (previous == 1 ? "" : "s")
          + " already (--max-replays " + options.maxReplays() + ")");
    }
    return new ReplayDecision(entry, ReplayDecision.Action.REPLAY, target, previous + 1,
        "replay " + (previous + 1) + " of at most " + options.maxReplays());
  }

  private static ReplayDecision refuse(DeadLetterEntry entry, String target, String why) {
    return new ReplayDecision(entry, ReplayDecision.Action.REFUSED, target, 0, why);
  }
}
