package io.fabric.dlq;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides, for each selected dead letter in order, whether a replay republishes it, skips it as
 * already replayed, or refuses it. Pure: it looks only at the entries and the ledger.
 *
 * <p>The rules, in order:
 * <ol>
 *   <li>An unreadable DLQ record is refused: its original topic and bytes are unknown.</li>
 *   <li>A record without a topic to go to (no original topic and no {@code --to-topic}) is refused.</li>
 *   <li>A dead-letter id seen earlier in the same run is skipped as already replayed (the DLQ may
 *       hold the same dead letter twice when a stage retried its write).</li>
 *   <li>A dead letter whose replay <em>to this target topic</em> is in the ledger is skipped as
 *       already replayed. So rerunning a replay, or resuming one that was killed, republishes
 *       nothing twice; replaying to another topic with {@code --to-topic} (say, a scratch topic to
 *       look at first) does not use up the replay to the original topic.</li>
 *   <li>Loop guard: the lineage's replays so far are the {@value ReplayHeaders#REPLAY_COUNT}
 *       header the failed record carried (set when it was itself a replay whose retry failed
 *       again and got a new dead-letter id) plus this dead letter's replays in the ledger. When
 *       that reaches {@code maxReplays}, the record is refused.</li>
 * </ol>
 */
public final class ReplayPlanner {
  private ReplayPlanner() {}

  public static List<ReplayDecision> plan(List<DeadLetterEntry> entries, ReplayLedger ledger, ReplayOptions options) {
    return plan(entries, ledger, options, entry -> entry.deadLetter().getOriginalTopic());
  }

  /** @param defaultTarget the topic a readable entry goes back to when there is no {@code --to-topic} */
  public static List<ReplayDecision> plan(List<DeadLetterEntry> entries, ReplayLedger ledger, ReplayOptions options,
                                          Function<DeadLetterEntry, String> defaultTarget) {
    List<ReplayDecision> decisions = new ArrayList<>(entries.size());
    Set<String> seen = new HashSet<>();
    for (DeadLetterEntry entry : entries) {
      decisions.add(decide(entry, ledger, options, seen, defaultTarget));
    }
    return decisions;
  }

  private static ReplayDecision decide(DeadLetterEntry entry, ReplayLedger ledger, ReplayOptions options, Set<String> seen,
                                       Function<DeadLetterEntry, String> defaultTarget) {
    if (!entry.readable()) {
      return refuse(entry, null, "the DLQ record itself cannot be decoded (" + entry.decodeError()
          + "); inspect it with `fabric dlq show " + entry.id() + "`");
    }
    String target = options.toTopic() != null ? options.toTopic() : defaultTarget.apply(entry);
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
      return refuse(entry, target, "its " + ReplayHeaders.REPLAY_COUNT + " header is not a number");
    }
    int previous = lineage.getAsInt() + ledger.timesReplayed(entry.id());
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
