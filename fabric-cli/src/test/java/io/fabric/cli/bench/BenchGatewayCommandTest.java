package io.fabric.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.cli.FabricMain;
import io.fabric.deploy.EmbeddedKafkaExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/** Smoke test of {@code fabric bench-gateway}: a tiny run reports its fields; numbers are judged by the benchmark, not here. */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class BenchGatewayCommandTest {
  @Test
  void aTinyRunReportsThroughputLatencyAndErrors() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = FabricMain.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    int exit = cli.execute("bench-gateway", "--bootstrap-server", EmbeddedKafkaExtension.bootstrapServers(), "--clients", "4",
        "--warmup", "PT1S", "--duration", "PT2S", "--batch", "2", "-o", "json");

    String run = "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    assertEquals(0, exit, run);
    JsonNode report = new ObjectMapper().readTree(out.toString());
    assertTrue(report.path("requests").asLong() > 0, run);
    assertTrue(report.path("p99_ms").asDouble() > 0, run);
    assertEquals(0, report.path("errors").size(), run);
  }
}
