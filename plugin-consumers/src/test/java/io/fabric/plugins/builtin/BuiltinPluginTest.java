package io.fabric.plugins.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.plugins.flows.FlowJson;
import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuiltinPluginTest {
  private static final String TEXT = "Our invoice for March was wrong. The customer was charged twice for one invoice. "
      + "Support promised help. It rained.";
  private final BuiltinPlugin plugin = new BuiltinPlugin();

  private Map<String, Object> run(String action, String payloadJson) throws TaskException {
    return run(action, payloadJson, Map.of(), null, 0);
  }

  private Map<String, Object> run(String action, String payloadJson, Map<String, Object> state, String status, int revision)
      throws TaskException {
    TaskContext context = new TaskContext("f1", "r1", "k1", action, 1, false, state, null, status, revision);
    return plugin.execute("acme", FlowJson.parseObject(payloadJson), context);
  }

  @Test
  void isFoundByServiceLoaderAndDeclaresTheClassAActions() {
    PluginRegistry registry = PluginRegistry.discover();
    FabricPlugin found = registry.forTaskType("summarize").orElseThrow();
    assertEquals("builtin", found.name());
    for (String action : List.of("read_status", "collect_signals", "summarize", "classify", "tag", "internal_status_update",
        "research", "generate_draft", "plan", "predictive_analysis", "agent_review")) {
      assertEquals("builtin", registry.forTaskType(action).orElseThrow().name(), action);
    }
    assertTrue(found.inDoubtSupport().canRetryInDoubt(), "no external effect, so an in-doubt call may repeat");
  }

  @Test
  void summarizeKeepsTheTopScoredSentencesInTextOrder() throws TaskException {
    Map<?, ?> summary = (Map<?, ?>) run("summarize", "{\"text\":\"" + TEXT + "\",\"max_sentences\":2}").get("summary");
    assertEquals(List.of("Our invoice for March was wrong.", "The customer was charged twice for one invoice."), summary.get("sentences"));
    assertEquals("Our invoice for March was wrong. The customer was charged twice for one invoice.", summary.get("text"));
    assertEquals(4, summary.get("source_sentences"));
    assertEquals(summary, run("summarize", "{\"text\":\"" + TEXT + "\",\"max_sentences\":2}").get("summary"), "deterministic");
  }

  @Test
  void tagAndClassifyApplyThePayloadsRules() throws TaskException {
    String rules = "{\"billing\":[\"invoice\",\"charged\"],\"support\":[\"help\"],\"legal\":[\"lawsuit\"]}";
    assertEquals(Map.of("tags", List.of("billing", "support")), run("tag", "{\"text\":\"" + TEXT + "\",\"rules\":" + rules + "}"));
    Map<?, ?> classification = (Map<?, ?>) run("classify", "{\"text\":\"" + TEXT + "\",\"rules\":" + rules + "}").get("classification");
    assertEquals("billing", classification.get("label"));
    assertEquals(Map.of("billing", 3, "legal", 0, "support", 1), classification.get("scores"));
    Map<?, ?> none = (Map<?, ?>) run("classify", "{\"text\":\"nothing here\",\"rules\":" + rules + ",\"default\":\"other\"}")
        .get("classification");
    assertEquals("other", none.get("label"));
  }

  @Test
  void keywordsMatchWholeWordsAndPhrasesIgnoringCase() throws TaskException {
    String rules = "{\"cancel\":[\"Cancel My Plan\"],\"cat\":[\"cat\"]}";
    assertEquals(Map.of("tags", List.of("cancel")), run("tag", "{\"text\":\"Please cancel my plan, concatenate nothing\",\"rules\":" + rules + "}"));
  }

  @Test
  void readStatusReportsTheFlowFromTheContext() throws TaskException {
    Map<?, ?> status = (Map<?, ?>) run("read_status", "{}", Map.of("tags", List.of(), "summary", Map.of()), "RUNNING", 4).get("flow_status");
    assertEquals("RUNNING", status.get("status"));
    assertEquals(4, status.get("revision"));
    assertEquals(List.of("summary", "tags"), status.get("state_keys"));
    assertEquals("NEW", ((Map<?, ?>) run("read_status", "{}").get("flow_status")).get("status"));
  }

  @Test
  void collectSignalsCountsWhatTheTextSays() throws TaskException {
    Map<?, ?> signals = (Map<?, ?>) run("collect_signals", "{\"text\":\"Site is DOWN! Fix it ASAP? We lost 12.5 orders and 3 carts.\"}")
        .get("signals");
    assertEquals(true, signals.get("urgent"));
    assertEquals(List.of("asap", "down"), signals.get("urgent_terms"));
    assertEquals(List.of(12.5, 3.0), signals.get("numbers"));
    assertEquals(1L, signals.get("questions"));
    assertEquals(1L, signals.get("exclamations"));
    assertEquals(3, signals.get("sentences"));
  }

  @Test
  void internalStatusUpdateRecordsTheStatus() throws TaskException {
    assertEquals(Map.of("internal_status", Map.of("status", "REVIEWED", "note", "ok", "request_id", "r1")),
        run("internal_status_update", "{\"status\":\"reviewed\",\"note\":\"ok\"}"));
  }

  @Test
  void researchRanksSourcesByKeywordOverlap() throws TaskException {
    Map<?, ?> research = (Map<?, ?>) run("research", "{\"question\":\"Why did refund latency grow?\",\"sources\":["
        + "{\"title\":\"Ops log\",\"text\":\"Refund latency grew after the deploy. Nothing else changed.\"},"
        + "{\"title\":\"Blog\",\"text\":\"Refund policy is generous.\"},"
        + "{\"title\":\"Menu\",\"text\":\"Pasta today.\"}]}").get("research");
    List<?> findings = (List<?>) research.get("findings");
    assertEquals(2, findings.size());
    Map<?, ?> best = (Map<?, ?>) findings.get(0);
    assertEquals("Ops log", best.get("title"));
    assertEquals(List.of("refund", "latency"), best.get("matched"));
    assertEquals("Refund latency grew after the deploy.", best.get("excerpt"));
  }

  @Test
  void generateDraftFillsTemplatesAndListsMissingFields() throws TaskException {
    Map<?, ?> draft = (Map<?, ?>) run("generate_draft", "{\"template\":\"Hi {{name}}, your order {{ order }} ships {{when}}.\","
        + "\"fields\":{\"name\":\"Ana\",\"order\":42}}").get("draft");
    assertEquals("Hi Ana, your order 42 ships {{when}}.", draft.get("text"));
    assertEquals(List.of("when"), draft.get("missing_fields"));
    Map<?, ?> bullets = (Map<?, ?>) run("generate_draft", "{\"subject\":\"Status\",\"points\":[\"a\",\"b\"]}").get("draft");
    assertEquals("Status\n\n- a\n- b", bullets.get("text"));
  }

  @Test
  void planOrdersStepsByDependencyAndRefusesCycles() throws TaskException {
    Map<?, ?> plan = (Map<?, ?>) run("plan", "{\"goal\":\"launch\",\"steps\":[{\"name\":\"ship\",\"after\":[\"test\",\"docs\"]},"
        + "{\"name\":\"test\",\"after\":[\"build\"]},{\"name\":\"docs\"},{\"name\":\"build\"}]}").get("plan");
    assertEquals(List.of("build", "docs", "test", "ship"), plan.get("order"));
    assertEquals(List.of(List.of("build", "docs"), List.of("test"), List.of("ship")), plan.get("stages"));
    assertEquals(List.of("a", "b"), ((Map<?, ?>) run("plan", "{\"goal\":\"g\",\"steps\":[\"a\",\"b\"]}").get("plan")).get("order"));
    PermanentTaskException cycle = assertThrows(PermanentTaskException.class,
        () -> run("plan", "{\"goal\":\"g\",\"steps\":[{\"name\":\"a\",\"after\":[\"b\"]},{\"name\":\"b\",\"after\":[\"a\"]}]}"));
    assertTrue(cycle.getMessage().contains("cycle"));
  }

  @Test
  void predictiveAnalysisFitsALineAndForecasts() throws TaskException {
    Map<?, ?> prediction = (Map<?, ?>) run("predictive_analysis", "{\"series\":[10,12,14,16],\"horizon\":2}").get("prediction");
    assertEquals(2.0, prediction.get("slope"));
    assertEquals(10.0, prediction.get("intercept"));
    assertEquals(List.of(18.0, 20.0), prediction.get("forecast"));
    assertEquals("up", prediction.get("trend"));
    assertEquals("flat", ((Map<?, ?>) run("predictive_analysis", "{\"series\":[5,5,5]}").get("prediction")).get("trend"));
  }

  /** What a newcomer types first: {@code fabric submit --action tag --payload '{"text":"..."}'} must not dead-letter. */
  @Test
  void theObviousMinimalPayloadWorksForEveryTextAction() throws TaskException {
    String text = "URGENT: I was charged twice on my invoice and the app crashes at login.";
    assertEquals(Map.of("tags", List.of("account", "billing", "bug", "urgent")), run("tag", "{\"text\":\"" + text + "\"}"));
    Map<?, ?> classification = (Map<?, ?>) run("classify", "{\"text\":\"" + text + "\"}").get("classification");
    assertEquals("billing", classification.get("label"), "the default rule with most hits: charged, invoice");
    assertEquals("unclassified", ((Map<?, ?>) run("classify", "{\"text\":\"hello there\"}").get("classification")).get("label"));
    assertEquals(Map.of("tags", List.of()), run("tag", "{\"content\":\"hello there\"}"), "content is accepted for text");

    assertEquals(TEXT.substring(0, TEXT.indexOf(" The")),
        ((Map<?, ?>) run("summarize", "{\"text\":\"" + TEXT + "\",\"max_sentences\":1}").get("summary")).get("text"));

    Map<?, ?> research = (Map<?, ?>) run("research", "{\"query\":\"refund policy for invoices\"}").get("research");
    assertEquals(List.of("refund", "policy", "invoices"), research.get("keywords"));
    assertEquals(List.of(), research.get("findings"));

    assertEquals("Quarterly update", ((Map<?, ?>) run("generate_draft", "{\"topic\":\"Quarterly update\"}").get("draft")).get("text"));

    Map<?, ?> plan = (Map<?, ?>) run("plan", "{\"goal\":\"Back up the database, then migrate it and notify customers\"}").get("plan");
    assertEquals(List.of("Back up the database", "migrate it", "notify customers"), plan.get("order"));
    Map<?, ?> single = (Map<?, ?>) run("plan", "{\"goal\":\"Launch the beta\"}").get("plan");
    assertEquals(List.of(List.of("prepare: Launch the beta"), List.of("do: Launch the beta"), List.of("verify: Launch the beta")),
        single.get("stages"));
  }

  @Test
  void anApprovedAgentReviewRecordsTheDraft() throws TaskException {
    Map<?, ?> review = (Map<?, ?>) run("agent_review", "{\"run_id\":\"r1\",\"agent\":\"triage\",\"reason\":\"confidence 0.3 below 0.6\","
        + "\"draft\":\"{}\"}").get("agent_review");
    assertEquals(Map.of("run_id", "r1", "agent", "triage", "reason", "confidence 0.3 below 0.6", "draft", "{}", "approved", true), review);
    assertThrows(PermanentTaskException.class, () -> run("agent_review", "{}"));
  }

  @Test
  void aMissingTextNamesEveryAcceptedField() {
    PermanentTaskException missing = assertThrows(PermanentTaskException.class, () -> run("research", "{\"sources\":[]}"));
    assertEquals("payload field 'question' must be a non-empty string (or one of query, topic, text)", missing.getMessage());
    assertThrows(PermanentTaskException.class, () -> run("tag", "{\"text\":\"x\",\"rules\":{}}"), "explicit empty rules stay an error");
  }

  @Test
  void badPayloadsFailPermanentlyNamingTheField() {
    PermanentTaskException missing = assertThrows(PermanentTaskException.class, () -> run("summarize", "{}"));
    assertTrue(missing.getMessage().contains("'text'"));
    assertFalse(missing.retryable());
    assertThrows(PermanentTaskException.class, () -> run("tag", "{\"text\":\"x\",\"rules\":{\"a\":\"not a list\"}}"));
    assertThrows(PermanentTaskException.class, () -> run("predictive_analysis", "{\"series\":[1]}"));
    assertThrows(PermanentTaskException.class, () -> run("unknown_action", "{}"));
  }
}
