package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import org.junit.jupiter.api.Test;

class PromQlTest {
  @Test
  void findsTheMetricsAndNotFunctionsLabelsRangesOrStrings() {
    assertEquals(Set.of("fabric_plugin_calls_seconds_bucket"), PromQl.metricNames(
        "histogram_quantile(0.99, sum by (le, plugin) (rate(fabric_plugin_calls_seconds_bucket{plugin=~\"a|b\"}[$__rate_interval])))"));
    assertEquals(Set.of("a_total", "b"), PromQl.metricNames("sum without (x) (a_total offset 5m) / on (y) group_left (z) max(b)"));
    assertEquals(Set.of("jvm_memory_used_bytes"), PromQl.metricNames("sum by (instance) (jvm_memory_used_bytes{area=\"heap\"})"));
  }

  @Test
  void aBareNameIsAMetric() {
    assertEquals(Set.of("fabric_approvals_pending"), PromQl.metricNames("fabric_approvals_pending"));
  }
}
