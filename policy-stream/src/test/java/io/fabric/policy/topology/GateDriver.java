package io.fabric.policy.topology;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.PolicyGate;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.IngressKey;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;

/** The production policy topology in a TopologyTestDriver, with every input and output topic of the gate at hand. */
final class GateDriver implements AutoCloseable {
  final TopicCatalog catalog = TopicCatalog.defaults();
  final TopologyTestDriver driver;
  final Topology topology;
  final TestInputTopic<String, TaskRequest> ingress;
  final TestInputTopic<String, TaskRequest> replays;
  final TestInputTopic<String, ApprovalToken> approvals;
  final TestOutputTopic<String, RoutedTask> routed;
  final TestOutputTopic<String, BlockedTask> blocked;
  final TestOutputTopic<String, PendingApproval> pending;
  final TestOutputTopic<String, RequestStatus> status;
  final TestOutputTopic<String, AuditEvent> audit;
  private Instant clock;

  GateDriver(PolicyGate gate, Duration slaCheckInterval, Path stateDir, Instant start) {
    this(gate, slaCheckInterval, stateDir, start, Map.of());
  }

  /** @param settings added to the app's configuration (e.g. a {@code FabricMetrics} under its key) */
  GateDriver(PolicyGate gate, Duration slaCheckInterval, Path stateDir, Instant start, Map<String, Object> settings) {
    Properties props = FabricStreamsConfig.forApp(KafkaConnection.of("dummy:9092"), catalog, "gate-test", "policy-stream", stateDir, settings);
    topology = PolicyTopology.build(catalog, gate, slaCheckInterval, props);
    driver = new TopologyTestDriver(topology, props, start);
    clock = start;
    ingress = input(catalog.ingress);
    replays = input(catalog.replays);
    approvals = input(catalog.approvals);
    routed = output(catalog.routed);
    blocked = output(catalog.blocked);
    pending = output(catalog.approvalPending);
    status = output(catalog.requestStatus);
    audit = output(catalog.audit);
  }

  <V> TestInputTopic<String, V> input(TopicSpec<String, V> topic) {
    return driver.createInputTopic(topic.name(), topic.keySerde().serializer(), topic.valueSerde().serializer());
  }

  <V> TestOutputTopic<String, V> output(TopicSpec<String, V> topic) {
    return driver.createOutputTopic(topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer());
  }

  /** The gate's wall clock: punctuators that are due run. */
  Instant advance(Duration by) {
    driver.advanceWallClockTime(by);
    clock = clock.plus(by);
    return clock;
  }

  Instant now() {
    return clock;
  }

  /** Written to ingress keyed as FabricClient keys it, stamped with the gate's clock. */
  TaskRequest submit(TaskRequest request) {
    ingress.pipeInput(IngressKey.of(request), request, clock);
    return request;
  }

  void publish(ApprovalToken token) {
    approvals.pipeInput(token.getFlowId(), token, clock);
  }

  List<String> routedIds() {
    return routed.readValuesToList().stream().map(t -> t.getRequest().getRequestId()).toList();
  }

  List<AuditEvent> audits(String type) {
    return audit.readValuesToList().stream().filter(e -> e.getType().equals(type)).toList();
  }

  @Override
  public void close() {
    driver.close();
  }
}
