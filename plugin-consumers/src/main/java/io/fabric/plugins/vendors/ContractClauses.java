package io.fabric.plugins.vendors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deterministic clause extractor for contract text: finds the sentences of the usual clause types
 * by keyword patterns, pulls out the terms a reviewer asks first (payment days, notice periods,
 * renewal, liability cap, governing law) and flags common risks. Same text, same answer; no model.
 */
final class ContractClauses {
  /** The clause types every commercial contract is expected to have; a missing one is reported. */
  static final List<String> EXPECTED = List.of("termination", "liability", "payment_terms", "governing_law", "confidentiality");
  private static final int MAX_SENTENCES_PER_TYPE = 5;
  private static final int MAX_SENTENCE_CHARS = 300;
  private static final int CI = Pattern.CASE_INSENSITIVE;

  private static final Map<String, Pattern> CLAUSES = new LinkedHashMap<>();

  static {
    CLAUSES.put("termination", Pattern.compile("\\bterminat(e|es|ed|ing|ion)\\b", CI));
    CLAUSES.put("liability", Pattern.compile("\\bliabilit(y|ies)\\b|\\bliable\\b", CI));
    CLAUSES.put("indemnification", Pattern.compile("\\bindemnif(y|ies|ied|ication)\\b|\\bhold harmless\\b", CI));
    CLAUSES.put("payment_terms", Pattern.compile("\\bnet\\s*\\d{1,3}\\b|\\bpayments?\\b|\\binvoic(e|es|ed|ing)\\b|\\bpayable\\b", CI));
    CLAUSES.put("auto_renewal", Pattern.compile("\\bauto(matic(ally)?)?[- ]?renew(s|al|ed)?\\b|\\brenew(s|ed)?\\s+automatically\\b"
        + "|\\bsuccessive\\b[^.]*\\b(renewal|terms?|periods?)\\b", CI));
    CLAUSES.put("confidentiality", Pattern.compile("\\bconfidential(ity)?\\b|\\bnon-disclosure\\b", CI));
    CLAUSES.put("governing_law", Pattern.compile("\\bgoverned by\\b|\\bgoverning law\\b", CI));
    CLAUSES.put("data_protection", Pattern.compile("\\bpersonal data\\b|\\bdata protection\\b|\\bGDPR\\b", CI));
  }

  /** Sentences end at . ! ? before white space, or at a blank line; a single line break is just a space. */
  private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+|\\n\\s*\\n");
  private static final Pattern NET_DAYS = Pattern.compile("\\bnet\\s*(\\d{1,3})\\b|\\bwithin\\s+(?:\\w+\\s+)?\\(?(\\d{1,3})\\)?\\s+days\\b", CI);
  private static final Pattern NOTICE_DAYS = Pattern.compile(
      "(\\d{1,3})\\)?\\s*(?:calendar\\s+|business\\s+)?days?'?\\s*(?:prior\\s+|advance\\s+)?(?:written\\s+)?notice", CI);
  private static final Pattern RENEWAL_TERM = Pattern.compile("\\bsuccessive\\s+([a-z0-9]+(?:[- ][a-z]+)?)\\s+(?:renewal\\s+)?(?:terms?|periods?)", CI);
  private static final Pattern LIABILITY_CAP = Pattern.compile("(?:shall not exceed|not to exceed|limited to|capped at)\\s+([^.;]+)", CI);
  private static final Pattern GOVERNING_LAW = Pattern.compile(
      "laws?\\s+of\\s+(?:the\\s+)?(?:state\\s+of\\s+|commonwealth\\s+of\\s+)?([A-Za-z][A-Za-z .]*?)(?=\\s*[,;.]|\\s+without|\\s+excluding|$)", CI);
  private static final Pattern LATE_INTEREST = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*%\\s*(?:per\\s+month|per\\s+annum|per\\s+year|monthly|annually)", CI);
  private static final Pattern NEGATED_RENEWAL = Pattern.compile("\\b(not|never)\\b[^.]*\\brenew", CI);

  private ContractClauses() {}

  /** The analysis of {@code text}: clauses by type, found and missing types, extracted terms, risks. */
  static Map<String, Object> analyze(String text) {
    List<String> sentences = sentences(text);
    Map<String, List<String>> clauses = new TreeMap<>();
    for (String sentence : sentences) {
      CLAUSES.forEach((type, pattern) -> {
        if (pattern.matcher(sentence).find()) {
          List<String> found = clauses.computeIfAbsent(type, t -> new ArrayList<>());
          if (found.size() < MAX_SENTENCES_PER_TYPE) {
            found.add(sentence.length() <= MAX_SENTENCE_CHARS ? sentence : sentence.substring(0, MAX_SENTENCE_CHARS) + "...");
          }
        }
      });
    }
    Map<String, Object> terms = new TreeMap<>();
    first(clauses, "payment_terms", NET_DAYS).ifPresent(days -> terms.put("payment_net_days", Integer.parseInt(days)));
    first(clauses, "termination", NOTICE_DAYS).ifPresent(days -> terms.put("termination_notice_days", Integer.parseInt(days)));
    first(clauses, "payment_terms", LATE_INTEREST).ifPresent(rate -> terms.put("late_interest_percent", Double.parseDouble(rate)));
    first(clauses, "liability", LIABILITY_CAP).ifPresent(cap -> terms.put("liability_cap", cap.strip()));
    first(clauses, "governing_law", GOVERNING_LAW).ifPresent(law -> terms.put("governing_law", law.strip()));
    boolean autoRenews = clauses.containsKey("auto_renewal")
        && clauses.get("auto_renewal").stream().noneMatch(s -> NEGATED_RENEWAL.matcher(s).find());
    terms.put("auto_renews", autoRenews);
    if (autoRenews) {
      first(clauses, "auto_renewal", RENEWAL_TERM).ifPresent(term -> terms.put("renewal_term", term.toLowerCase(Locale.ROOT)));
      first(clauses, "auto_renewal", NOTICE_DAYS).ifPresent(days -> terms.put("renewal_notice_days", Integer.parseInt(days)));
    }

    TreeSet<String> missing = new TreeSet<>(EXPECTED);
    missing.removeAll(clauses.keySet());
    List<String> risks = new ArrayList<>();
    if (!clauses.containsKey("liability")) {
      risks.add("no limitation of liability clause");
    } else if (clauses.get("liability").stream().anyMatch(s -> s.toLowerCase(Locale.ROOT).contains("unlimited"))) {
      risks.add("unlimited liability");
    } else if (!terms.containsKey("liability_cap")) {
      risks.add("liability is mentioned but no cap is stated");
    }
    if (!clauses.containsKey("termination")) {
      risks.add("no termination clause");
    }
    if (autoRenews) {
      risks.add(terms.containsKey("renewal_notice_days")
          ? "renews automatically unless cancelled " + terms.get("renewal_notice_days") + " days ahead"
          : "renews automatically; no cancellation notice period stated");
    }
    if (terms.get("payment_net_days") instanceof Integer days && days > 60) {
      risks.add("long payment terms (net " + days + ")");
    }

    Map<String, Object> analysis = new LinkedHashMap<>();
    analysis.put("sentences", sentences.size());
    analysis.put("found", List.copyOf(clauses.keySet()));
    analysis.put("missing", List.copyOf(missing));
    analysis.put("clauses", clauses);
    analysis.put("terms", terms);
    analysis.put("risks", risks);
    return analysis;
  }

  static List<String> sentences(String text) {
    List<String> sentences = new ArrayList<>();
    for (String part : SENTENCE_END.split(text)) {
      String sentence = part.strip().replaceAll("\\s+", " ");
      if (!sentence.isEmpty()) {
        sentences.add(sentence);
      }
    }
    return sentences;
  }

  /** The first capture of {@code pattern} (its first non-null group) in the sentences of {@code type}. */
  private static Optional<String> first(Map<String, List<String>> clauses, String type, Pattern pattern) {
    for (String sentence : clauses.getOrDefault(type, List.of())) {
      Matcher m = pattern.matcher(sentence);
      if (m.find()) {
        for (int g = 1; g <= m.groupCount(); g++) {
          if (m.group(g) != null) {
            return Optional.of(m.group(g));
          }
        }
      }
    }
    return Optional.empty();
  }
}
