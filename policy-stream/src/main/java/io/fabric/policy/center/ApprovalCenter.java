package io.fabric.policy.center;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.approvals.ApprovalDecision;
import io.fabric.policy.approvals.CanonicalPayload;
import io.fabric.policy.approvals.TokenSigner;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.topics.TopicCatalog;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Collectors;
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

  /**
   * A pending request as an approver must see it: the latest entry for its id, and how many
   * different things (tenant, flow, action, payload) the topic holds under that id. More than one
   * means some record tried to replace what the approver is shown; such a request is listed but
   * {@link #find} refuses it rather than pick one.
   */
  public record PendingRequest(PendingApproval entry, int variants) {
    public boolean ambiguous() {
      return variants > 1;
    }
  }

  /** What a token would bind to, so two entries that agree on it are the same request (a quorum update, a replay). */
  private record Subject(String tenantId, String flowId, String action, String payload) {
    static Subject of(PendingApproval p) {
      TaskRequest r = p.getRequest();
      return new Subject(r.getTenantId(), r.getFlowId(), r.getAction(), digestOrText(r.getPayload()));
    }

    private static String digestOrText(String payload) {
      try {
        return CanonicalPayload.sha256Of(payload);
      } catch (IllegalArgumentException notJson) {
        return "text:" + payload;
      }
    }
  }

  /** Requests whose latest status is still PENDING_APPROVAL, oldest first, with their latest approval count. */
  public List<PendingRequest> pending(Optional<String> tenant) {
    Map<String, List<PendingApproval>> byRequest = entriesByRequest(p -> true);
    Map<String, RequestStatus> statuses = new LinkedHashMap<>();
    for (RequestStatus s : LatestByKeyReader.everything(connection, catalog.requestStatus)) {
      statuses.put(s.getRequestId(), s);
    }
    return byRequest.entrySet().stream()
        .filter(e -> tenant.map(t -> e.getValue().stream().anyMatch(p -> t.equals(p.getRequest().getTenantId()))).orElse(true))
        .filter(e -> {
          RequestStatus s = statuses.get(e.getKey());
          return s != null && Outcome.PENDING_APPROVAL.name().equals(s.getOutcome());
        })
        .map(e -> request(e.getValue()))
        .sorted(Comparator.comparingLong(p -> p.entry().getPendingSince()))
        .toList();
  }

  /**
   * The pending request with this id, as the gate stored it (payload included, so the token binds to it).
   *
   * @throws IllegalArgumentException when no such request waits for approval
   * @throws IllegalStateException when the topic holds different entries for this id: the approver
   *     could not know which one a token would be applied to
   */
  public PendingApproval find(String requestId) {
    RequestStatus status = LatestByKeyReader.latest(connection, catalog.requestStatus, requestId)
        .orElseThrow(() -> new IllegalArgumentException("no request " + requestId + " is known"));
    if (!Outcome.PENDING_APPROVAL.name().equals(status.getOutcome())) {
      throw new IllegalArgumentException("request " + requestId + " is not waiting for approval: it is " + status.getOutcome()
          + (status.getReason() == null ? "" : " (" + status.getReason() + ")"));
    }
    // Every key, not just the status's flow: a record for this id under another flow must be seen too.
    List<PendingApproval> versions = entriesByRequest(p -> p.getRequest().getRequestId().equals(requestId))
        .getOrDefault(requestId, List.of());
    if (versions.isEmpty()) {
      throw new IllegalStateException("request " + requestId + " is pending but its record is not on " + catalog.approvalPending.name());
    }
    PendingRequest found = request(versions);
    if (found.ambiguous()) {
      throw new IllegalStateException("request id " + requestId + " is ambiguous: " + catalog.approvalPending.name() + " holds "
          + found.variants() + " different pending entries for it (flows " + versions.stream().map(p -> p.getRequest().getFlowId())
          .distinct().collect(Collectors.joining(", ")) + "); refusing to show or sign any of them");
    }
    return found.entry();
  }

  private Map<String, List<PendingApproval>> entriesByRequest(Predicate<PendingApproval> filter) {
    Map<String, List<PendingApproval>> byRequest = new LinkedHashMap<>();
    for (PendingApproval p : LatestByKeyReader.everything(connection, catalog.approvalPending)) {
      if (filter.test(p)) {
        byRequest.computeIfAbsent(p.getRequest().getRequestId(), id -> new ArrayList<>()).add(p);
      }
    }
    return byRequest;
  }

  /** Entries that agree on their subject share a flow, hence a partition, so the last one read is the latest. */
  private static PendingRequest request(List<PendingApproval> versions) {
    return new PendingRequest(versions.get(versions.size() - 1), (int) versions.stream().map(Subject::of).distinct().count());
  }

  /**
   * Refuses a pending request whose payload is not the one the approver read, so a token is never
   * signed for a payload that was swapped after {@code fabric approvals show}.
   *
   * @param expectedSha256 the hex digest the approver was shown; null skips the check
   * @throws IllegalArgumentException naming both digests when they differ
   */
  public static void requirePayload(PendingApproval pending, String expectedSha256) {
    if (expectedSha256 == null) {
      return;
    }
    String actual = CanonicalPayload.sha256Of(pending.getRequest().getPayload());
    if (!actual.equalsIgnoreCase(expectedSha256.strip())) {
      throw new IllegalArgumentException("payload of request " + pending.getRequest().getRequestId() + " has sha256 " + actual
          + ", not the " + expectedSha256.strip() + " given in --payload-sha256; nothing was signed");
    }
  }

  /** Signs a decision on a pending request and publishes it; returns the token that was sent. */
  public ApprovalToken decide(String requestId, TokenSigner signer, ApprovalDecision decision, String reason) {
    return decide(find(requestId), signer, decision, reason);
  }

  /** Signs a decision on exactly this entry (the one the approver was shown) and publishes it. */
  public ApprovalToken decide(PendingApproval pending, TokenSigner signer, ApprovalDecision decision, String reason) {
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
