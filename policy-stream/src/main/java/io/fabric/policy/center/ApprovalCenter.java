package io.fabric.policy.center;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.RequestStatus;
import io.fabric.policy.approvals.ApprovalDecision;
import io.fabric.policy.approvals.TokenSigner;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.topics.TopicCatalog;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What approvers work with: the requests still waiting (from {@code fabric.tasks.approval-pending}
 * joined with their current status) and publishing a signed decision to {@code fabric.approvals}.
 */
public final class ApprovalCenter {
  private final KafkaConnection connection;
  private final TopicCatalog catalog;

  public ApprovalCenter(KafkaConnection connection, TopicCatalog catalog) {
    this.connection = connection;
    this.catalog = catalog;
  }

  /** Requests whose latest status is still PENDING_APPROVAL, oldest first, with their latest approval count. */
  public List<PendingApproval> pending(Optional<String> tenant) {
    Map<String, PendingApproval> latest = new LinkedHashMap<>();
    for (PendingApproval p : LatestByKeyReader.everything(connection, catalog.approvalPending)) {
      latest.put(p.getRequest().getRequestId(), p);
    }
    Map<String, RequestStatus> statuses = new LinkedHashMap<>();
    for (RequestStatus s : LatestByKeyReader.everything(connection, catalog.requestStatus)) {
      statuses.put(s.getRequestId(), s);
    }
    return latest.values().stream()
        .filter(p -> tenant.map(t -> t.equals(p.getRequest().getTenantId())).orElse(true))
        .filter(p -> {
          RequestStatus s = statuses.get(p.getRequest().getRequestId());
          return s != null && Outcome.PENDING_APPROVAL.name().equals(s.getOutcome());
        })
        .sorted(Comparator.comparingLong(PendingApproval::getPendingSince))
        .toList();
  }

  /** The pending request with this id, as the gate stored it (payload included, so the token binds to it). */
  public PendingApproval find(String requestId) {
    RequestStatus status = LatestByKeyReader.latest(connection, catalog.requestStatus, requestId)
        .orElseThrow(() -> new IllegalArgumentException("no request " + requestId + " is known"));
    if (!Outcome.PENDING_APPROVAL.name().equals(status.getOutcome())) {
      throw new IllegalArgumentException("request " + requestId + " is not waiting for approval: it is " + status.getOutcome()
          + (status.getReason() == null ? "" : " (" + status.getReason() + ")"));
    }
    List<PendingApproval> versions = LatestByKeyReader.all(connection, catalog.approvalPending, status.getFlowId(),
        p -> p.getRequest().getRequestId().equals(requestId));
    if (versions.isEmpty()) {
      throw new IllegalStateException("request " + requestId + " is pending but its record is not on " + catalog.approvalPending.name());
    }
    return versions.get(versions.size() - 1);
  }

  /** Signs a decision on a pending request and publishes it; returns the token that was sent. */
  public ApprovalToken decide(String requestId, TokenSigner signer, ApprovalDecision decision, String reason) {
    PendingApproval pending = find(requestId);
    ApprovalToken token = decision == ApprovalDecision.APPROVE
        ? signer.approve(pending.getRequest(), reason)
        : signer.reject(pending.getRequest(), reason);
    publish(token);
    return token;
  }

  public void publish(ApprovalToken token) {
    Map<String, Object> config = connection.clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    try (KafkaProducer<String, ApprovalToken> producer = new KafkaProducer<>(config, catalog.approvals.keySerde().serializer(),
        catalog.approvals.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(catalog.approvals.name(), token.getFlowId(), token)).get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing the token", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("could not publish the token to " + catalog.approvals.name() + ": " + e.getMessage(), e);
    }
  }
}
