package io.fabric.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.cli.bench.BenchResults.Latency;
import io.fabric.cli.bench.BenchResults.Phase;
import io.fabric.cli.bench.BenchResults.PipelineRun;
import io.fabric.cli.bench.BenchResults.Report;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchReportWriterTest {
  private static final Latency FABRIC_LATENCY = new Latency(100, 90, 150, 240, 300, 320, 100);
  private static final Latency BASELINE_LATENCY = new Latency(100, 60, 100, 160, 180, 200, 70);

  @Test
  void ratiosAndTargetsCompareTheFabricWithTheBaseline() throws Exception {
    Report report = report(run("fabric", 12_000, FABRIC_LATENCY, 0), run("baseline", 20_000, BASELINE_LATENCY, 0));

    JsonNode json = new ObjectMapper().readTree(new ReportWriter(report, true).json());

    assertEquals(0.6, json.path("ratio").path("throughput").asDouble(), 1e-9);
    assertEquals(1.5, json.path("ratio").path("p99").asDouble(), 1e-9);
    assertFalse(target(json, "throughput_ratio_min").path("met").asBoolean());
    assertTrue(target(json, "throughput_min").path("met").asBoolean());
    assertTrue(target(json, "p99_ratio_max").path("met").asBoolean());
    assertTrue(target(json, "rss_max_bytes").path("met").asBoolean());
    assertTrue(json.path("trustworthy").asBoolean());
    assertEquals(240.0, json.path("fabric").path("latency").path("latency_ms").path("p99").asDouble(), 1e-9);
  }

  @Test
  void theTextTableShowsBothRowsAndTheRatio() {
    String text = new ReportWriter(report(run("fabric", 12_000, FABRIC_LATENCY, 0), run("baseline", 20_000, BASELINE_LATENCY, 0)), true).text();

    assertTrue(text.contains("fabric "), text);
    assertTrue(text.contains("baseline "), text);
    assertTrue(text.contains("fabric/baseline"), text);
    assertTrue(text.contains("0.60"), text);
    assertTrue(text.contains("12,000"), text);
  }

  @Test
  void aRunThatLostRequestsIsNotTrustworthy() {
    ReportWriter writer = new ReportWriter(report(run("fabric", 12_000, FABRIC_LATENCY, 3), run("baseline", 20_000, BASELINE_LATENCY, 0)), true);

    assertFalse(writer.trustworthy());
    assertTrue(writer.text().contains("NOT TRUSTWORTHY"));
  }

  private static JsonNode target(JsonNode json, String key) {
    for (JsonNode target : json.path("targets")) {
      if (target.path("key").asText().equals(key)) {
        return target;
      }
    }
    throw new AssertionError("no target " + key + " in " + json);
  }

  private static PipelineRun run(String name, double throughput, Latency latency, long missing) {
    Phase warmup = new Phase("warm-up", 10, 10, 1, 0, 10, latency, null, Map.of("total", 1.0));
    Phase saturation = new Phase("saturation", 1000, 1000 - missing, 1000 / throughput, 0, throughput, latency, null,
        Map.of("total", 0.2, "broker", 0.1));
    Phase paced = new Phase("latency", 500, 500, 1, throughput / 2, throughput / 2, latency, null, Map.of("total", 0.3));
    return new PipelineRun(name, List.of("in", "stage", "out"), 1.0, warmup, saturation, false, paced, List.of(), null,
        Map.of("EXECUTED", 1510L), 0, 0, null, Map.of("tasks.ingress", 1.0, "requests.status", 2.01));
  }

  private static Report report(PipelineRun fabric, PipelineRun baseline) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("requests", 1000);
    settings.put("warmup", 10);
    settings.put("mix", RequestMix.DEFAULT);
    settings.put("payload_bytes", 512);
    settings.put("partitions", 3);
    settings.put("guarantee", "exactly_once_v2");
    settings.put("commit_interval_ms", 50);
    settings.put("producer", Map.of("batch.size", 65536));
    settings.put("streams_overrides", Map.of());
    ProcessStats.Machine machine = new ProcessStats.Machine("cpu", 2, 1L << 34, "Linux", "Java 17", List.of(), "0.1 0.1 0.1");
    ProcessStats.Memory memory = new ProcessStats.Memory(100L << 20, 200L << 20, 1L << 30, 500L << 20, 600L << 20);
    return new Report(settings, machine, "embedded", fabric, baseline, memory, 60);
  }
}
