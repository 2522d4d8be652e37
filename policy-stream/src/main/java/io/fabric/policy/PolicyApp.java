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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.apache.kafka.streams.Topology;

/** The policy-stream deployable: the gate topology under exactly_once_v2. */
public final class PolicyApp {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyApp.class);
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
    boolean published = topicExists(connection, catalog.policy.name());
    boolean breakers = topicExists(connection, catalog.breakers.name());
    if (!breakers && !policy.breakers().isEmpty()) {
      LOG.warn("{} does not exist: the policy's breakers do not run until a restart after `fabric topics apply`", catalog.breakers.name());
    }
    if (!published) {
      LOG.warn("{} does not exist: policy {} decides until a restart; run `fabric topics apply` so `fabric policy publish` can change it live",
          catalog.policy.name(), policy.version());
    }
    Topology topology = PolicyTopology.build(catalog, new PolicyGate(policy, verifier, submitters), PolicyTopology.DEFAULT_SLA_CHECK_INTERVAL,
        props, tracing, published, breakers);
    return new StreamsApp(STAGE, topology, props);
  }

  /**
   * Whether the policy topic exists. A deployment from before it (no `fabric topics apply` since)
   * keeps deciding by its file: a global store on a missing topic would stop the app at start.
   */
  static boolean policyTopicExists(KafkaConnection connection, TopicCatalog catalog) {
    return topicExists(connection, catalog.policy.name());
  }

  private static boolean topicExists(KafkaConnection connection, String topic) {
    try (Admin admin = Admin.create(connection.clientConfig())) {
      return admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot list topics to find " + topic + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
