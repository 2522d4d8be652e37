package io.fabric.plugins.flows;

import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.RoutedTask;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.TraceContext;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Starts a flow's rollback by hand ({@code fabric flows rollback FLOW_ID}): plans from the latest
 * checkpoint which steps will be compensated, newest first, and publishes one rollback request to the
 * plugin that owns the first of them (see {@link RollbackRequests}). The plugin runtimes do the
 * compensations; follow them with {@link FlowHistoryReader}.
 */
public final class FlowRollback {
  private FlowRollback() {}

  /**
   * What a rollback would do.
   *
   * @param toCompensate the compensable steps whose effect stands, in the order they will be undone
   * @param notCompensable executed steps no plugin can undo; they stay as they are
   * @param targetTopic where the rollback request goes
   */
  public record Plan(String flowId, FlowStatus status, int revision, List<FlowStep> toCompensate, List<FlowStep> notCompensable,
                     String targetPlugin, String targetTopic) {}

  /** A rollback request that was published. */
  public record Started(Plan plan, String rollbackRequestId, String traceparent) {}

  /**
   * @throws NoSuchElementException when the flow has no checkpoint
   * @throws IllegalStateException when the flow is rolling back or rolled back already
   */
  public static Plan plan(KafkaConnection connection, TopicCatalog catalog, String flowId) {
    FlowCheckpoint checkpoint = FlowHistoryReader.latest(connection, catalog, flowId)
        .orElseThrow(() -> new NoSuchElementException("flow " + flowId + " has no checkpoint in " + catalog.flowState.name()));
    return plan(catalog, checkpoint);
  }

  public static Plan plan(TopicCatalog catalog, FlowCheckpoint checkpoint) {
    FlowStatus status = FlowStatus.of(checkpoint);
    if (!status.canStartRollback()) {
      throw new IllegalStateException("flow " + checkpoint.getFlowId() + " is " + status + " (revision " + checkpoint.getRevision()
          + "): nothing to start");
    }
    List<FlowStep> toCompensate = new ArrayList<>();
    List<FlowStep> notCompensable = new ArrayList<>();
    List<FlowStep> steps = checkpoint.getSteps();
    for (int i = steps.size() - 1; i >= 0; i--) {
      FlowStep step = steps.get(i);
      if (StepStatus.valueOf(step.getStatus()).effectStands()) {
        (step.getCompensable() ? toCompensate : notCompensable).add(step);
      }
    }
    String plugin = RollbackRequests.targetPlugin(checkpoint);
    return new Plan(checkpoint.getFlowId(), status, checkpoint.getRevision(), List.copyOf(toCompensate), List.copyOf(notCompensable),
        plugin, catalog.pluginTasks(plugin).name());
  }

  /** Plans, then publishes the rollback request (acks=all, idempotent) and returns once it is written. */
  public static Started start(KafkaConnection connection, TopicCatalog catalog, String flowId, String reason, String source) {
    FlowCheckpoint checkpoint = FlowHistoryReader.latest(connection, catalog, flowId)
        .orElseThrow(() -> new NoSuchElementException("flow " + flowId + " has no checkpoint in " + catalog.flowState.name()));
    Plan plan = plan(catalog, checkpoint);
    String traceparent = TraceContext.newTraceparent();
    RoutedTask request = RollbackRequests.create(checkpoint, reason, source, traceparent, System.currentTimeMillis());
    TopicSpec<String, RoutedTask> topic = catalog.pluginTasks(plan.targetPlugin());
    Map<String, Object> config = connection.clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "fabric-flow-rollback");
    try (KafkaProducer<String, RoutedTask> producer = new KafkaProducer<>(config, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
      ProducerRecord<String, RoutedTask> record = new ProducerRecord<>(topic.name(), flowId, request);
      TraceContext.set(record.headers(), traceparent);
      producer.send(record).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing the rollback of flow " + flowId, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot publish the rollback of flow " + flowId + " to " + topic.name() + ": " + e.getMessage(), e);
    }
    return new Started(plan, request.getRequest().getRequestId(), traceparent);
  }
}
