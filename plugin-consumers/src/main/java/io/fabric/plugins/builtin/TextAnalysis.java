package io.fabric.plugins.builtin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Deterministic text functions behind the built-in actions: sentences, words, extractive summary, keyword rules. */
final class TextAnalysis {
  private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+");
  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}']+");
  static final Set<String> STOP_WORDS = Set.of("a", "an", "the", "and", "or", "but", "if", "of", "to", "in", "on", "at", "by",
      "for", "with", "is", "are", "was", "were", "be", "been", "it", "its", "this", "that", "these", "those", "as", "from",
      "we", "you", "they", "he", "she", "i", "our", "your", "their", "not", "no", "so", "do", "does", "did", "has", "have",
      "had", "will", "would", "can", "could", "should", "may", "there", "than", "then", "also", "about", "into", "all");

  private TextAnalysis() {}

  static List<String> sentences(String text) {
    List<String> sentences = new ArrayList<>();
    for (String part : SENTENCE_END.split(text.strip())) {
      String sentence = part.strip();
      if (!sentence.isEmpty()) {
        sentences.add(sentence);
      }
    }
    return sentences;
  }

  static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
    while (m.find()) {
      words.add(m.group());
    }
    return words;
  }

  static List<String> contentWords(String text) {
    return words(text).stream().filter(w -> !STOP_WORDS.contains(w) && w.length() > 1).toList();
  }

  /** A sentence picked for a summary: its position in the text and its score. */
  record Scored(int index, String sentence, double score) {}

  /**
   * Classic frequency-based extractive summary: a sentence scores the mean document frequency of
   * its content words; the top {@code max} sentences are returned in their original order (ties go
   * to the earlier sentence, so the result is stable).
   */
  static List<Scored> summarize(String text, int max) {
    List<String> sentences = sentences(text);
    Map<String, Integer> frequency = new HashMap<>();
    contentWords(text).forEach(w -> frequency.merge(w, 1, Integer::sum));
    List<Scored> scored = new ArrayList<>();
    for (int i = 0; i < sentences.size(); i++) {
      List<String> words = contentWords(sentences.get(i));
      double score = words.isEmpty() ? 0 : words.stream().mapToInt(frequency::get).sum() / (double) words.size();
      scored.add(new Scored(i, sentences.get(i), Math.round(score * 1000) / 1000.0));
    }
    return scored.stream()
        .sorted(Comparator.comparingDouble(Scored::score).reversed().thenComparingInt(Scored::index))
        .limit(Math.max(0, max))
        .sorted(Comparator.comparingInt(Scored::index))
        .toList();
  }

  /**
   * Counts, per label, how often its keywords occur in the text: whole words or phrases, case-insensitive.
   * Labels come back sorted.
   */
  static Map<String, Integer> ruleHits(String text, Map<String, List<String>> rules) {
    String normalized = " " + String.join(" ", words(text)) + " ";
    Map<String, Integer> hits = new TreeMap<>();
    for (Map.Entry<String, List<String>> rule : rules.entrySet()) {
      int count = 0;
      for (String keyword : rule.getValue()) {
        String needle = " " + String.join(" ", words(keyword)) + " ";
        if (needle.isBlank()) {
          continue;
        }
        for (int at = normalized.indexOf(needle); at >= 0; at = normalized.indexOf(needle, at + 1)) {
          count++;
        }
      }
      hits.put(rule.getKey(), count);
    }
    return hits;
  }

  /** Keywords of {@code query} found in {@code text}, in query order, without repeats. */
  static List<String> overlap(String query, String text) {
    Set<String> inText = Set.copyOf(contentWords(text));
    Map<String, Boolean> seen = new LinkedHashMap<>();
    for (String word : contentWords(query)) {
      if (inText.contains(word)) {
        seen.putIfAbsent(word, true);
      }
    }
    return List.copyOf(seen.keySet());
  }
}
