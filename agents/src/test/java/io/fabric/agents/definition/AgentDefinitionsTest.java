package io.fabric.agents.definition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric.agents.definition.AgentDefinitions.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentDefinitionsTest {
  static final String MINIMAL = """
      name: echo
      system_prompt: Repeat the input.
      output_schema:
        type: object
        required: [answer]
        properties:
          answer: {type: string}
          confidence: {type: number}
      """;

  @Test
  void aMinimalDefinitionGetsTheDefaults() {
    AgentDefinition agent = AgentDefinitions.parse(MINIMAL).definition().orElseThrow();
    assertEquals("echo", agent.name());
    assertEquals("agent-echo", agent.submitter(), "signs as agent-<name> unless told otherwise");
    assertEquals(0.2, agent.model().temperature());
    assertEquals(8, agent.model().maxTurns());
    assertEquals(List.of(), agent.tools());
    assertEquals(Optional.empty(), agent.escalation().confidenceBelow());
    assertEquals(2, agent.escalation().maxValidationFailures());
    assertTrue(agent.inputSchema().isObject() && agent.inputSchema().isEmpty(), "no input schema accepts anything");
  }

  @Test
  void theShippedExampleIsValidAndReadAsWritten() throws IOException {
    AgentDefinitions.Parsed parsed = AgentDefinitions.read(Path.of("../examples/agents/ticket-triage.yaml"));
    assertEquals(List.of(), parsed.problems());
    AgentDefinition agent = parsed.definition().orElseThrow();
    assertEquals(List.of("tag", "summarize", "send_email"), agent.tools());
    assertEquals(Optional.of("gpt-4o-mini"), agent.model().modelFor("openai"));
    assertEquals(Optional.empty(), agent.model().modelFor("local"));
    assertEquals(Optional.of(0.6), agent.escalation().confidenceBelow());
    assertEquals(JsonPointer.compile("/category"), agent.escalation().fields().get(0).field());
    assertEquals(List.of(TextNode.valueOf("legal")), agent.escalation().fields().get(0).values());
    assertEquals(Set.of("C"), agent.escalation().proposedActionClasses());
  }

  @Test
  void aMisspeltKeyIsNamedAtItsLine() {
    List<Problem> problems = AgentDefinitions.parse(MINIMAL + "escalaton:\n  confidence_below: 0.5\n").problems();
    assertEquals(1, problems.size(), problems.toString());
    assertEquals(9, problems.get(0).line());
    assertTrue(problems.get(0).message().contains("escalaton"), problems.get(0).message());
  }

  @Test
  void wrongTypesAndMissingKeysAreNamedAtTheirLines() {
    String yaml = """
        name: Bad Name
        system_prompt: x
        model:
          temperature: 7
        tools: [tag]
        """;
    List<Problem> problems = AgentDefinitions.parse(yaml).problems();
    assertEquals(List.of(0, 1, 4), problems.stream().map(Problem::line).toList(), problems.toString());
    assertTrue(problems.get(0).message().contains("output_schema"), problems.get(0).message());
    assertTrue(problems.get(1).message().startsWith("name:"), problems.get(1).message());
    assertTrue(problems.get(2).message().startsWith("model.temperature:"), problems.get(2).message());
  }

  @Test
  void anInvalidOutputSchemaIsRefusedWhereItIsWrong() {
    String yaml = """
        name: bad-schema
        system_prompt: x
        output_schema:
          type: object
          properties:
            answer: {type: strin}
        """;
    List<Problem> problems = AgentDefinitions.parse(yaml).problems();
    assertFalse(problems.isEmpty());
    assertEquals(6, problems.get(0).line(), problems.toString());
    assertTrue(problems.get(0).message().startsWith("output_schema is not a valid JSON Schema"), problems.get(0).message());
  }

  @Test
  void escalationRulesMustReadFieldsTheOutputDeclares() {
    String yaml = MINIMAL + """
        escalation:
          confidence_below: 0.5
          confidence_field: certainty
          fields:
            - {field: answer, equals: ["?"]}
            - {field: /verdict, equals: [deny]}
        """;
    List<Problem> problems = AgentDefinitions.parse(yaml).problems();
    assertEquals(List.of(10, 14), problems.stream().map(Problem::line).toList(), problems.toString());
    assertTrue(problems.get(0).message().contains("/certainty"));
    assertTrue(problems.get(1).message().contains("/verdict"));
  }

  @Test
  void duplicateKeysAndBrokenYamlAreProblemsNotExceptions() {
    assertEquals(2, AgentDefinitions.parse("name: a\nname: b\n").problems().get(0).line());
    assertFalse(AgentDefinitions.parse("name: [unclosed\n").ok());
    assertEquals(0, AgentDefinitions.parse("- a list\n").problems().get(0).line());
  }

  @Test
  void aDirectoryIsACatalogAndTwoFilesMayNotShareAName(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("a.yaml"), MINIMAL);
    Files.writeString(dir.resolve("b.yml"), MINIMAL);
    Files.writeString(dir.resolve("c.yaml"), "name: x\n");
    Files.writeString(dir.resolve("notes.txt"), "ignored");
    AgentDefinitions.Catalog catalog = AgentDefinitions.load(dir);
    assertEquals(Set.of("echo"), catalog.byName().keySet());
    assertEquals(3, catalog.problems().size(), catalog.problems().toString());
    assertTrue(catalog.problems().stream().anyMatch(p -> p.contains("b.yml") && p.contains("already defined")));
    assertTrue(catalog.problems().stream().anyMatch(p -> p.startsWith(dir.resolve("c.yaml") + ":")));
  }
}
