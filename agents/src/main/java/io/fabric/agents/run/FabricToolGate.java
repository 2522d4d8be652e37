package io.fabric.agents.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.agents.router.ModelRouter.Sleeper;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.RequestStatus;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.Submission;
import io.fabric.plugins.flows.FlowHistoryReader;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.topics.TopicCatalog;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Tool calls as the fabric's own requests: each is submitted through the policy gate, signed by the
 * agent's submitter identity (one signed {@link FabricClient} per identity), as its own flow whose id
 * is the call's request id, with the call's idempotency key; then its status is followed to a final
 * outcome, waiting through a class-B approval. An executed call's result is its flow's checkpointed
 * state. This gate holds the calling thread while it waits (bounded by {@code timeout}); the durable
 * run will wait on the status topic instead.
 */
public final class FabricToolGate implements ToolGate {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, FabricClient> clientsBySubmitter;
  private final KafkaConnection connection;
  private final TopicCatalog catalog;
  private final Duration timeout;
  private final Duration pollInterval;
  private final Sleeper sleeper;

  public FabricToolGate(Map<String, FabricClient> clientsBySubmitter, KafkaConnection connection, TopicCatalog catalog, Duration timeout,
      Duration pollInterval, Sleeper sleeper) {
    this.clientsBySubmitter = Map.copyOf(clientsBySubmitter);
    this.connection = connection;
    this.catalog = catalog;
    this.timeout = timeout;
    this.pollInterval = pollInterval;
    this.sleeper = sleeper;
  }

  @Override
  public Outcome submit(String tenant, AgentRun.PendingTool tool) throws InterruptedException {
    FabricClient client = clientsBySubmitter.get(tool.submitter());
    if (client == null) {
      throw new IllegalStateException("no signing key for the agent's submitter " + tool.submitter());
    }
    client.submit(Submission.of(tenant, tool.action()).requestId(tool.requestId()).flowId(tool.requestId())
        .idempotencyKey(tool.idempotencyKey()).payload(tool.payload().toString()).source("agent"));
    long deadline = System.nanoTime() + timeout.toNanos();
    // only the status under the call's own request id counts: submitted again after a crash it is the same request (same id,
    // dropped by the gate), so a DUPLICATE means another request holds its idempotency key, and that request's outcome is not
    // the call's; the call did not run, and the model is told so
    Optional<RequestStatus> status = awaitFinal(tool.requestId(), deadline);
    if (status.isEmpty() || !io.fabric.schemas.records.Outcome.valueOf(status.get().getOutcome()).terminal()) {
      String where = status.map(s -> s.getOutcome()).orElse("not seen by the gate");
      return new Outcome("TIMED_OUT", null, "no final outcome within " + timeout + " (" + where + ")");
    }
    return outcome(status.get());
  }

  /** The request's status once final, or the last one seen when the deadline passes. */
  private Optional<RequestStatus> awaitFinal(String requestId, long deadline) throws InterruptedException {
    Optional<RequestStatus> status = Optional.empty();
    while (System.nanoTime() < deadline) {
      // a record filed under the id that names another request is not this call's status (anyone who may write the topic can)
      status = LatestByKeyReader.latest(connection, catalog.requestStatus, requestId).filter(s -> requestId.equals(s.getRequestId()));
      if (status.isPresent() && io.fabric.schemas.records.Outcome.valueOf(status.get().getOutcome()).terminal()) {
        return status;
      }
      sleeper.sleep(pollInterval);
    }
    return status;
  }

  private Outcome outcome(RequestStatus status) {
    String outcome = status.getOutcome();
    String reason = status.getReason() == null ? "" : status.getReason();
    if (!"EXECUTED".equals(outcome)) {
      String detail = status.getDetail() == null ? "" : status.getDetail();
      return new Outcome(outcome, null, detail.isEmpty() ? reason : reason + ": " + detail);
    }
    Optional<FlowCheckpoint> checkpoint = FlowHistoryReader.latest(connection, catalog, status.getFlowId());
    JsonNode result = checkpoint.map(c -> parse(c.getState())).orElse(null);
    return new Outcome("COMPLETED", result, reason);
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      return JSON.getNodeFactory().textNode(json);
    }
  }
}
