package io.fabric.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.cli.FabricMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Smoke test of {@code fabric bench}: a tiny run on its own embedded broker, through the real
 * command line, reports every field for both pipelines. Numbers are not judged here; a benchmark,
 * not a timed test, judges speed.
 */
@Tag("integration")
class BenchCommandTest {
  @Test
  void aTinyRunReportsThroughputLatencyAndMemoryForTheFabricAndTheBaselineAsJson() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = FabricMain.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    int exit = cli.execute("bench", "--requests", "200", "--warmup", "20", "--rate", "20", "--latency-duration", "PT2S",
        "--payload-bytes", "256", "--phase-timeout", "PT60S", "-o", "json");

    String run = "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    assertEquals(0, exit, run);
    JsonNode report = new ObjectMapper().readTree(out.toString());
    assertTrue(report.path("trustworthy").asBoolean(), run);
    assertEquals("A=70,B=20,C=5,unknown=5", report.path("settings").path("mix").asText(), run);
    assertEquals("exactly_once_v2", report.path("settings").path("guarantee").asText(), run);
    for (String pipeline : new String[] {"fabric", "baseline"}) {
      JsonNode saturation = report.path(pipeline).path("saturation");
      // the baseline's phase is made as long as the fabric's, so it may get more requests than --requests
      assertTrue(pipeline.equals("fabric") ? saturation.path("sent").asLong() == 200 : saturation.path("sent").asLong() >= 200,
          pipeline + "\n" + run);
      assertEquals(saturation.path("sent").asLong(), saturation.path("ended").asLong(), pipeline + "\n" + run);
      assertTrue(saturation.path("requests_per_second").asDouble() > 0, pipeline + "\n" + run);
      assertTrue(saturation.path("cpu_ms_per_request").path("total").asDouble() > 0, pipeline + "\n" + run);
      double jitShare = saturation.path("jit_share_of_cpu").asDouble(-1);
      assertTrue(jitShare >= 0 && jitShare <= 1, pipeline + " JIT share\n" + run);
      JsonNode latency = report.path(pipeline).path("latency");
      assertEquals(20.0, latency.path("offered_rate").asDouble(), pipeline + "\n" + run);
      assertEquals(40, latency.path("ended").asLong(), pipeline + "\n" + run);
      for (String percentile : new String[] {"p50", "p95", "p99", "max"}) {
        assertTrue(latency.path("latency_ms").path(percentile).asDouble() > 0, pipeline + " " + percentile + "\n" + run);
      }
      assertTrue(report.path(pipeline).path("hops").size() >= 5, pipeline + "\n" + run);
      assertTrue(report.path(pipeline).path("offsets_per_request").asDouble() > 1, pipeline + " records per request\n" + run);
    }
    JsonNode fabricEnds = report.path("fabric").path("outcomes");
    assertTrue(fabricEnds.path("EXECUTED").asLong() > 0 && fabricEnds.path("BLOCKED").asLong() > 0, run);
    assertEquals(0, report.path("fabric").path("unexpected_outcomes").asLong(), run);
    assertTrue(report.path("fabric").path("saturation").path("first_stage").path("requests_per_second").asDouble() > 0, run);
    assertTrue(report.path("ratio").path("throughput").asDouble() > 0, run);
    assertTrue(report.path("ratio").path("p99").asDouble() > 0, run);
    assertEquals(4, report.path("targets").size(), run);
    JsonNode configurations = report.path("settings").path("configurations");
    assertTrue(configurations.path("fabric").path("plugin_runtime").path("tasks_per_poll").asInt() > 0, run);
    assertEquals(500, configurations.path("baseline").path("relay").path("max_poll_records").asInt(), "Kafka's default\n" + run);
    assertEquals(configurations.path("fabric").path("streams"), configurations.path("baseline").path("streams"), run);
    assertTrue(report.path("memory").path("rss_peak_bytes").asLong() > 0, run);
    assertTrue(report.path("memory").path("heap_used_bytes").asLong() > 0, run);
    assertTrue(report.path("machine").path("cores").asInt() > 0, run);
  }

  @Test
  void aMixWithAnUnknownKindIsAUsageError() {
    StringWriter err = new StringWriter();
    CommandLine cli = FabricMain.commandLine();
    cli.setOut(new PrintWriter(new StringWriter(), true));
    cli.setErr(new PrintWriter(err, true));

    int exit = cli.execute("bench", "--mix", "A=70,D=30");

    assertEquals(2, exit, err.toString());
    assertTrue(err.toString().contains("unknown kind 'D'"), err.toString());
  }
}
