package io.fabric.plugins.builtin;

import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The class-A actions, done in-process with simple, deterministic logic and no external effect (so
 * an in-doubt call is simply repeated). Each result sits under one key named after what it is
 * ({@code summary}, {@code tags}, ...), so merging it into the flow state never clobbers another step's.
 */
public final class BuiltinPlugin implements FabricPlugin {
  public static final String NAME = "builtin";
  /**
   * An agent run handed to a person: not in the policy's sets, so class B (an approver decides);
   * executed only once approved, it records the approved draft as the run's outcome.
   */
  public static final String AGENT_REVIEW = "agent_review";
  public static final Set<String> TASK_TYPES = Set.of("read_status", "collect_signals", "summarize", "classify", "tag",
      "internal_status_update", "research", "generate_draft", "plan", "predictive_analysis", AGENT_REVIEW);
  static final Set<String> URGENT_TERMS = Set.of("urgent", "asap", "immediately", "critical", "outage", "down", "escalate");
  private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:\\.\\d+)?");
  /** Where a goal splits into steps: sentence ends, semicolons, and "and"/"then" between clauses. */
  private static final Pattern CLAUSE_SPLIT = Pattern.compile("(?i)(?<=[.!?;])\\s+|;\\s*|,?\\s+(?:and\\s+)?then\\s+|,\\s*and\\s+|\\s+and\\s+");
  /** The names a text payload goes by; {@code text} is the documented one. */
  private static final String[] TEXT_FIELDS = {"text", "content", "body", "message"};
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_.-]+)\\s*}}");

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> taskTypes() {
    return TASK_TYPES;
  }

  /** In-process text work on payloads the gate bounds in size: milliseconds, declared with room to spare. */
  @Override
  public java.util.Optional<java.time.Duration> worstCaseCall() {
    return java.util.Optional.of(java.time.Duration.ofSeconds(5));
  }

  @Override
  public InDoubtSupport inDoubtSupport() {
    return InDoubtSupport.SIDE_EFFECT_FREE;
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    return switch (context.action()) {
      case "read_status" -> readStatus(context);
      case "collect_signals" -> collectSignals(payload);
      case "summarize" -> summarize(payload);
      case "classify" -> classify(payload);
      case "tag" -> tag(payload);
      case "internal_status_update" -> internalStatusUpdate(payload, context);
      case "research" -> research(payload);
      case "generate_draft" -> generateDraft(payload);
      case "plan" -> plan(payload);
      case "predictive_analysis" -> predict(payload);
      case AGENT_REVIEW -> agentReview(payload);
      default -> throw new PermanentTaskException("plugin " + NAME + " does not handle action " + context.action());
    };
  }

  /** The flow's status as of its last checkpoint, and which state keys it holds. */
  static Map<String, Object> readStatus(TaskContext context) {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("status", context.flowStatus() == null ? "NEW" : context.flowStatus());
    status.put("revision", context.flowRevision());
    status.put("state_keys", List.copyOf(new TreeSet<>(context.flowState().keySet())));
    return Map.of("flow_status", status);
  }

  /** Countable facts about payload {@code text}: size, questions, urgency words, numbers mentioned. */
  static Map<String, Object> collectSignals(Map<String, Object> payload) throws PermanentTaskException {
    String text = Payloads.textOf(payload, TEXT_FIELDS);
    List<String> words = TextAnalysis.words(text);
    Set<String> urgent = new TreeSet<>();
    words.stream().filter(URGENT_TERMS::contains).forEach(urgent::add);
    List<Double> numbers = new ArrayList<>();
    Matcher m = NUMBER.matcher(text);
    while (m.find()) {
      numbers.add(Double.parseDouble(m.group()));
    }
    Map<String, Object> signals = new LinkedHashMap<>();
    signals.put("words", words.size());
    signals.put("sentences", TextAnalysis.sentences(text).size());
    signals.put("questions", text.chars().filter(c -> c == '?').count());
    signals.put("exclamations", text.chars().filter(c -> c == '!').count());
    signals.put("urgent", !urgent.isEmpty());
    signals.put("urgent_terms", List.copyOf(urgent));
    signals.put("numbers", numbers);
    return Map.of("signals", signals);
  }

  /** Extractive summary of {@code text}: its {@code max_sentences} (default 2) highest-scoring sentences, in order. */
  static Map<String, Object> summarize(Map<String, Object> payload) throws PermanentTaskException {
    String text = Payloads.textOf(payload, TEXT_FIELDS);
    int max = Payloads.optionalInt(payload, "max_sentences", 2, 1, 50);
    List<TextAnalysis.Scored> picked = TextAnalysis.summarize(text, max);
    List<String> sentences = picked.stream().map(TextAnalysis.Scored::sentence).toList();
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("text", String.join(" ", sentences));
    summary.put("sentences", sentences);
    summary.put("source_sentences", TextAnalysis.sentences(text).size());
    return Map.of("summary", summary);
  }

  /** Every label of {@code rules} (default: {@link DefaultRules}) with at least one keyword in {@code text}, sorted. */
  static Map<String, Object> tag(Map<String, Object> payload) throws PermanentTaskException {
    String text = Payloads.textOf(payload, TEXT_FIELDS);
    Map<String, Integer> hits = TextAnalysis.ruleHits(text, Payloads.rules(payload));
    List<String> tags = hits.entrySet().stream().filter(e -> e.getValue() > 0).map(Map.Entry::getKey).toList();
    return Map.of("tags", tags);
  }

  /**
   * The label of {@code rules} (default: {@link DefaultRules}) with the most keyword hits in
   * {@code text} (ties: alphabetically first); {@code default} (or "unclassified") when none matches.
   */
  static Map<String, Object> classify(Map<String, Object> payload) throws PermanentTaskException {
    String text = Payloads.textOf(payload, TEXT_FIELDS);
    Map<String, Integer> hits = TextAnalysis.ruleHits(text, Payloads.rules(payload));
    String label = Payloads.optionalText(payload, "default", "unclassified");
    int best = 0;
    for (Map.Entry<String, Integer> entry : hits.entrySet()) {
      if (entry.getValue() > best) {
        best = entry.getValue();
        label = entry.getKey();
      }
    }
    Map<String, Object> classification = new LinkedHashMap<>();
    classification.put("label", label);
    classification.put("scores", hits);
    return Map.of("classification", classification);
  }

  /** Records an internal status ({@code status}, optional {@code note}) on the flow. */
  static Map<String, Object> internalStatusUpdate(Map<String, Object> payload, TaskContext context) throws PermanentTaskException {
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("status", Payloads.text(payload, "status").strip().toUpperCase(Locale.ROOT));
    status.put("note", Payloads.optionalText(payload, "note", ""));
    status.put("request_id", context.requestId());
    return Map.of("internal_status", status);
  }

  /**
   * Ranks the given {@code sources} ({@code [{"title", "text"}]}) by how many of the {@code question}'s
   * keywords they contain, each with its best-matching sentence as the excerpt. Without sources the
   * findings are empty but the question's keywords still come back (what to look for).
   */
  static Map<String, Object> research(Map<String, Object> payload) throws PermanentTaskException {
    String question = Payloads.textOf(payload, "question", "query", "topic", "text");
    List<Map<String, Object>> findings = new ArrayList<>();
    for (Map<String, Object> source : Payloads.objects(payload, "sources")) {
      String title = Payloads.optionalText(source, "title", "untitled");
      String text = Payloads.optionalText(source, "text", "");
      List<String> matched = TextAnalysis.overlap(question, text);
      if (matched.isEmpty()) {
        continue;
      }
      String excerpt = "";
      int bestHits = 0;
      for (String sentence : TextAnalysis.sentences(text)) {
        int hits = TextAnalysis.overlap(question, sentence).size();
        if (hits > bestHits) {
          bestHits = hits;
          excerpt = sentence;
        }
      }
      Map<String, Object> finding = new LinkedHashMap<>();
      finding.put("title", title);
      finding.put("score", matched.size());
      finding.put("matched", matched);
      finding.put("excerpt", excerpt);
      findings.add(finding);
    }
    findings.sort((a, b) -> {
      int byScore = Integer.compare((int) b.get("score"), (int) a.get("score"));
      return byScore != 0 ? byScore : String.valueOf(a.get("title")).compareTo(String.valueOf(b.get("title")));
    });
    Map<String, Object> research = new LinkedHashMap<>();
    research.put("question", question);
    research.put("keywords", List.copyOf(new LinkedHashSet<>(TextAnalysis.contentWords(question))));
    research.put("findings", findings);
    return Map.of("research", research);
  }

  /**
   * Fills {@code {{field}}} placeholders of {@code template} from {@code fields}, leaving unknown ones
   * in place and listing them; without a template, drafts {@code subject} plus bullet {@code points}.
   */
  static Map<String, Object> generateDraft(Map<String, Object> payload) throws PermanentTaskException {
    Object fieldsValue = payload.getOrDefault("fields", Map.of());
    if (!(fieldsValue instanceof Map<?, ?> fields)) {
      throw new PermanentTaskException("payload field 'fields' must be an object");
    }
    String text;
    Set<String> missing = new TreeSet<>();
    if (payload.get("template") != null) {
      String template = Payloads.text(payload, "template");
      Matcher m = PLACEHOLDER.matcher(template);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        Object value = fields.get(m.group(1));
        if (value == null) {
          missing.add(m.group(1));
        }
        m.appendReplacement(out, Matcher.quoteReplacement(value == null ? m.group() : String.valueOf(value)));
      }
      m.appendTail(out);
      text = out.toString();
    } else {
      String subject = Payloads.textOf(payload, "subject", "topic", "title", "prompt", "text");
      List<String> points = payload.get("points") == null ? List.of() : Payloads.strings(payload.get("points"), "points");
      StringBuilder out = new StringBuilder(subject.strip());
      if (!points.isEmpty()) {
        out.append("\n");
        points.forEach(p -> out.append("\n- ").append(p.strip()));
      }
      text = out.toString();
    }
    Map<String, Object> draft = new LinkedHashMap<>();
    draft.put("text", text);
    draft.put("missing_fields", List.copyOf(missing));
    return Map.of("draft", draft);
  }

  /**
   * Orders {@code steps} for a {@code goal}: strings run in the given order; objects
   * {@code {"name", "after": [...]}} are ordered by their dependencies into stages (each stage's steps
   * only need earlier stages; names sorted within a stage). Cycles and unknown dependencies are refused.
   * Without {@code steps}, the goal's own clauses ("... and ...", "...; then ...") are the steps in order,
   * and a one-clause goal gets the generic prepare / do / verify sequence.
   */
  static Map<String, Object> plan(Map<String, Object> payload) throws PermanentTaskException {
    String goal = Payloads.textOf(payload, "goal", "text");
    Object stepsValue = payload.get("steps");
    if (stepsValue == null) {
      stepsValue = stepsOf(goal);
    }
    if (!(stepsValue instanceof List<?> list) || list.isEmpty()) {
      throw new PermanentTaskException("payload field 'steps' must be a non-empty list");
    }
    Map<String, Set<String>> after = new LinkedHashMap<>();
    String previous = null;
    for (Object item : list) {
      if (item instanceof String name) {
        after.put(name, previous == null ? new TreeSet<>() : new TreeSet<>(Set.of(previous)));
        previous = name;
      } else if (item instanceof Map<?, ?> step && step.get("name") instanceof String name) {
        Object deps = step.get("after");
        after.put(name, new TreeSet<>(deps == null ? List.of() : Payloads.strings(deps, "steps." + name + ".after")));
      } else {
        throw new PermanentTaskException("each step must be a name or an object with a 'name'");
      }
    }
    for (Map.Entry<String, Set<String>> step : after.entrySet()) {
      for (String dep : step.getValue()) {
        if (!after.containsKey(dep)) {
          throw new PermanentTaskException("step '" + step.getKey() + "' comes after unknown step '" + dep + "'");
        }
      }
    }
    List<List<String>> stages = new ArrayList<>();
    Set<String> done = new LinkedHashSet<>();
    while (done.size() < after.size()) {
      List<String> stage = after.entrySet().stream()
          .filter(e -> !done.contains(e.getKey()) && done.containsAll(e.getValue()))
          .map(Map.Entry::getKey).sorted().toList();
      if (stage.isEmpty()) {
        Set<String> stuck = new TreeSet<>(after.keySet());
        stuck.removeAll(done);
        throw new PermanentTaskException("steps depend on each other in a cycle: " + stuck);
      }
      stages.add(stage);
      done.addAll(stage);
    }
    Map<String, Object> plan = new LinkedHashMap<>();
    plan.put("goal", goal);
    plan.put("order", List.copyOf(done));
    plan.put("stages", stages);
    return Map.of("plan", plan);
  }

  /**
   * Least-squares line through {@code series} (at x = 0..n-1), extrapolated {@code horizon} (default 3)
   * points; trend is up or down when the slope exceeds 1% of the mean magnitude, else flat.
   */
  static Map<String, Object> predict(Map<String, Object> payload) throws PermanentTaskException {
    List<Double> series = Payloads.numbers(payload, "series");
    if (series.size() < 2) {
      throw new PermanentTaskException("payload field 'series' needs at least 2 numbers");
    }
    int horizon = Payloads.optionalInt(payload, "horizon", 3, 1, 100);
    int n = series.size();
    double meanX = (n - 1) / 2.0;
    double meanY = series.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    double sxy = 0;
    double sxx = 0;
    for (int x = 0; x < n; x++) {
      sxy += (x - meanX) * (series.get(x) - meanY);
      sxx += (x - meanX) * (x - meanX);
    }
    double slope = sxy / sxx;
    double intercept = meanY - slope * meanX;
    List<Double> forecast = new ArrayList<>();
    for (int x = n; x < n + horizon; x++) {
      forecast.add(round(intercept + slope * x));
    }
    double scale = series.stream().mapToDouble(Math::abs).average().orElse(0);
    String trend = Math.abs(slope) <= 0.01 * scale ? "flat" : slope > 0 ? "up" : "down";
    Map<String, Object> prediction = new TreeMap<>();
    prediction.put("points", n);
    prediction.put("slope", round(slope));
    prediction.put("intercept", round(intercept));
    prediction.put("forecast", forecast);
    prediction.put("trend", trend);
    return Map.of("prediction", prediction);
  }

  /** The approved hand-off of an agent run: what the reviewer approved, under {@code agent_review}. */
  static Map<String, Object> agentReview(Map<String, Object> payload) throws PermanentTaskException {
    Map<String, Object> review = new LinkedHashMap<>();
    review.put("run_id", Payloads.text(payload, "run_id"));
    review.put("agent", Payloads.optionalText(payload, "agent", ""));
    review.put("reason", Payloads.optionalText(payload, "reason", ""));
    review.put("draft", Payloads.optionalText(payload, "draft", ""));
    review.put("approved", true);
    return Map.of("agent_review", review);
  }

  /** The goal's clauses as sequential steps; one clause becomes prepare / do / verify. */
  static List<String> stepsOf(String goal) {
    List<String> clauses = new ArrayList<>();
    for (String part : CLAUSE_SPLIT.split(goal.strip())) {
      String clause = part.strip().replaceAll("[.!?]+$", "");
      if (!clause.isEmpty() && !clauses.contains(clause)) {
        clauses.add(clause);
      }
    }
    if (clauses.size() > 1) {
      return clauses;
    }
    String only = clauses.isEmpty() ? goal.strip() : clauses.get(0);
    return List.of("prepare: " + only, "do: " + only, "verify: " + only);
  }

  private static double round(double value) {
    return Math.round(value * 10_000) / 10_000.0;
  }
}
