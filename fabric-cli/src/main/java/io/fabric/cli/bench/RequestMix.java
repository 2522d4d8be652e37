package io.fabric.cli.bench;

import io.fabric.policy.Policy;
import io.fabric.schemas.records.Outcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine;

/**
 * The share of each kind of request in a benchmark ({@code --mix A=70,B=20,C=5,unknown=5}), and
 * which kind, action and expected end a given sequence number gets.
 *
 * <p>Kinds are spread by smooth weighted round-robin over one cycle of {@code sum(weights)}
 * requests, so any window of that many requests has exactly the asked proportions and the kinds are
 * interleaved rather than sent in runs. Actions rotate through the seed policy's sets; "unknown"
 * actions are names no policy lists, so the policy treats them as class B.
 */
public final class RequestMix {
  /** One kind of request in the mix. */
  public enum Kind {
    A, B, C, UNKNOWN;

    /** Whether the request needs a signed approval to run (class B, and unknown actions, which are class B). */
    public boolean needsApproval() {
      return this == B || this == UNKNOWN;
    }

    /** Where a request of this kind ends: executed by the plugin, or blocked by the policy (class C). */
    public Outcome expectedOutcome() {
      return this == C ? Outcome.BLOCKED : Outcome.EXECUTED;
    }

    String label() {
      return this == UNKNOWN ? "unknown" : name();
    }
  }

  public static final String DEFAULT = "A=70,B=20,C=5,unknown=5";

  /** Actions no policy lists; the bench's no-op plugin declares them so they execute once approved. */
  static final List<String> UNKNOWN_ACTIONS = List.of("bench_unknown_alpha", "bench_unknown_beta", "bench_unknown_gamma");

  private final Map<Kind, Integer> weights;
  private final Kind[] cycle;
  private final int[] rank;
  private final Map<Kind, List<String>> actions;

  private RequestMix(Map<Kind, Integer> weights) {
    this.weights = Map.copyOf(weights);
    int total = weights.values().stream().mapToInt(Integer::intValue).sum();
    this.cycle = new Kind[total];
    this.rank = new int[total];
    Map<Kind, Integer> current = new EnumMap<>(Kind.class);
    Map<Kind, Integer> seen = new EnumMap<>(Kind.class);
    for (int i = 0; i < total; i++) {
      Kind pick = null;
      for (Kind kind : Kind.values()) {
        int w = weights.getOrDefault(kind, 0);
        if (w == 0) {
          continue;
        }
        current.merge(kind, w, Integer::sum);
        if (pick == null || current.get(kind) > current.get(pick)) {
          pick = kind;
        }
      }
      current.merge(pick, -total, Integer::sum);
      cycle[i] = pick;
      rank[i] = seen.merge(pick, 1, Integer::sum) - 1;
    }
    Map<Kind, List<String>> byKind = new EnumMap<>(Kind.class);
    byKind.put(Kind.A, sorted(Policy.SEED_CLASS_A));
    byKind.put(Kind.B, sorted(Policy.SEED_CLASS_B));
    byKind.put(Kind.C, sorted(Policy.SEED_CLASS_C));
    byKind.put(Kind.UNKNOWN, UNKNOWN_ACTIONS);
    this.actions = byKind;
  }

  /**
   * Parses {@code KIND=WEIGHT,...} with kinds A, B, C and unknown (case-insensitive); weights are
   * non-negative integers, not necessarily summing to 100.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static RequestMix parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("the mix is empty; expected e.g. " + DEFAULT);
    }
    Map<Kind, Integer> weights = new EnumMap<>(Kind.class);
    for (String part : text.split(",")) {
      String[] kv = part.split("=", -1);
      if (kv.length != 2) {
        throw new IllegalArgumentException("mix entry '" + part.strip() + "' is not KIND=WEIGHT (e.g. " + DEFAULT + ")");
      }
      String name = kv[0].strip().toUpperCase(Locale.ROOT);
      Kind kind;
      try {
        kind = Kind.valueOf(name);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown kind '" + kv[0].strip() + "' in the mix: use A, B, C or unknown");
      }
      int weight;
      try {
        weight = Integer.parseInt(kv[1].strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("weight of " + kind.label() + " is not a whole number: '" + kv[1].strip() + "'");
      }
      if (weight < 0) {
        throw new IllegalArgumentException("weight of " + kind.label() + " must not be negative, got " + weight);
      }
      if (weights.put(kind, weight) != null) {
        throw new IllegalArgumentException(kind.label() + " appears twice in the mix");
      }
    }
    int total = weights.values().stream().mapToInt(Integer::intValue).sum();
    if (total == 0) {
      throw new IllegalArgumentException("the mix's weights add up to 0");
    }
    if (total > 10_000) {
      throw new IllegalArgumentException("the mix's weights add up to " + total + "; keep them at most 10000 (they are proportions)");
    }
    return new RequestMix(weights);
  }

  public Kind kindOf(long seq) {
    return cycle[(int) (seq % cycle.length)];
  }

  /** The action of request {@code seq}: its kind's actions in turn. */
  public String actionOf(long seq) {
    int i = (int) (seq % cycle.length);
    long ofKind = (seq / cycle.length) * weights.get(cycle[i]) + rank[i];
    List<String> list = actions.get(cycle[i]);
    return list.get((int) (ofKind % list.size()));
  }

  /** Every action a request of the mix may carry that the plugin is expected to execute. */
  public Set<String> executableActions() {
    Set<String> executable = new LinkedHashSet<>();
    for (Kind kind : Kind.values()) {
      if (weights.getOrDefault(kind, 0) > 0 && kind.expectedOutcome() == Outcome.EXECUTED) {
        executable.addAll(actions.get(kind));
      }
    }
    return executable;
  }

  /** The share of requests that carry a signed token. */
  public double approvedShare() {
    return Arrays.stream(cycle).filter(Kind::needsApproval).count() / (double) cycle.length;
  }

  /** The mix as given, normalised: {@code A=70,B=20,C=5,unknown=5}. */
  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      if (weights.containsKey(kind)) {
        parts.add(kind.label() + "=" + weights.get(kind));
      }
    }
    return String.join(",", parts);
  }

  /** Weights by kind label, for the report. */
  public Map<String, Integer> weights() {
    return Arrays.stream(Kind.values()).filter(weights::containsKey)
        .collect(Collectors.toMap(Kind::label, weights::get, (a, b) -> a, java.util.LinkedHashMap::new));
  }

  private static List<String> sorted(Set<String> set) {
    return set.stream().sorted().toList();
  }

  /** Lets picocli parse {@code --mix}. */
  static final class Converter implements CommandLine.ITypeConverter<RequestMix> {
    @Override
    public RequestMix convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
