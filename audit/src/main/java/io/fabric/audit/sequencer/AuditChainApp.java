package io.fabric.audit.sequencer;

import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.streams.StreamsApp;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndFailProcessingExceptionHandler;

/** The audit chain sequencer deployable ({@code fabric run --apps audit}). */
public final class AuditChainApp {
  private AuditChainApp() {}

  /**
   * The sequencer fails on a record it cannot chain instead of sending it to the DLQ and going on (the
   * other apps' choice): a skipped event would leave a chain that verifies but is not complete, while a
   * stuck sequencer shows as lag and its thread is replaced and retries from the last commit.
   *
   * @throws IllegalStateException when the two topics' partition counts differ (partition p chains partition p)
   */
  public static StreamsApp create(KafkaConnection connection, TopicCatalog catalog, Path stateDir, Map<String, Object> overrides) {
    Object guarantee = overrides.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG);
    if (guarantee != null && !StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee.toString())) {
      // under at_least_once a crash replays events whose head was not yet committed with them: a fork or a repeat
      throw new IllegalArgumentException("the audit chain sequencer runs " + StreamsConfig.EXACTLY_ONCE_V2 + " only, not "
          + StreamsConfig.PROCESSING_GUARANTEE_CONFIG + "=" + guarantee + ": without it a restart can fork or repeat the chain");
    }
    requireSamePartitionCount(connection, catalog);
    Properties props = FabricStreamsConfig.forApp(connection, catalog, catalog.applicationId(AuditChainTopology.STAGE),
        AuditChainTopology.STAGE, stateDir, overrides);
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndFailProcessingExceptionHandler.class);
    return new StreamsApp(AuditChainTopology.STAGE, AuditChainTopology.build(catalog, props), props);
  }

  static void requireSamePartitionCount(KafkaConnection connection, TopicCatalog catalog) {
    try (Admin admin = Admin.create(connection.clientConfig())) {
      Map<String, TopicDescription> topics = admin.describeTopics(List.of(catalog.audit.name(), catalog.auditChain.name()))
          .allTopicNames().get(30, TimeUnit.SECONDS);
      int audit = topics.get(catalog.audit.name()).partitions().size();
      int chain = topics.get(catalog.auditChain.name()).partitions().size();
      if (audit != chain) {
        throw new IllegalStateException(catalog.auditChain.name() + " has " + chain + " partitions and " + catalog.audit.name() + " has "
            + audit + ": the chain needs one partition per audit partition");
      }
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot describe " + catalog.audit.name() + " and " + catalog.auditChain.name()
          + " (run `fabric topics apply`): " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
