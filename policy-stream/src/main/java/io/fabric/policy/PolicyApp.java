package io.fabric.policy;

import io.fabric.policy.approvals.TokenVerifier;
import io.fabric.policy.identity.SubmitterVerifier;
import io.fabric.policy.topology.PolicyTopology;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.streams.StreamsApp;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.tracing.FabricTracing;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.Topology;

/** The policy-stream deployable: the gate topology under exactly_once_v2. */
public final class PolicyApp {
  public static final String STAGE = TopicCatalog.POLICY_STAGE;

  private PolicyApp() {}

  public static StreamsApp create(KafkaConnection connection, TopicCatalog catalog, Policy policy, TokenVerifier verifier,
                                  Path stateDir, Map<String, Object> overrides) {
    return create(connection, catalog, policy, verifier, null, stateDir, overrides);
  }

  /** @param submitters who may submit requests; null runs the gate open */
  public static StreamsApp create(KafkaConnection connection, TopicCatalog catalog, Policy policy, TokenVerifier verifier,
                                  SubmitterVerifier submitters, Path stateDir, Map<String, Object> overrides) {
    return create(connection, catalog, policy, verifier, submitters, stateDir, overrides, FabricTracing.noop());
  }

  /** @param tracing the gate's and approvals' spans; {@link FabricTracing#noop()} when tracing is off */
  public static StreamsApp create(KafkaConnection connection, TopicCatalog catalog, Policy policy, TokenVerifier verifier,
                                  SubmitterVerifier submitters, Path stateDir, Map<String, Object> overrides, FabricTracing tracing) {
    Properties props = FabricStreamsConfig.forApp(connection, catalog, catalog.applicationId(STAGE), STAGE, stateDir, overrides);
    Topology topology = PolicyTopology.build(catalog, new PolicyGate(policy, verifier, submitters), PolicyTopology.DEFAULT_SLA_CHECK_INTERVAL,
        props, tracing);
    return new StreamsApp(STAGE, topology, props);
  }
}
