package io.fabric.cli.bench;

import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.RequestSigner;
import io.fabric.gateway.Submission;
import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.approvals.SignedTokenVerifier;
import io.fabric.policy.approvals.TokenCodec;
import io.fabric.policy.approvals.TokenSigner;
import io.fabric.policy.approvals.TokenVerifier;
import io.fabric.policy.identity.SubmitterVerifier;
import java.security.KeyPair;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The requests of one benchmark run: request {@code seq} gets the mix's kind and action, a JSON
 * payload of exactly {@code payloadBytes} bytes of word-like text (so compression sees text, not one
 * repeated string), its own flow, and, when its kind needs approval, a token signed by the run's
 * own approver, so class-B requests pass the gate at once. Unless the run is {@code --unsigned}, every
 * request is signed by the run's own submitter, like a real one's, and the gate requires it.
 *
 * <p>Request ids are {@code <run id>-<seq>}: whoever reads an output record gets the sequence
 * number back from the key with {@link #seqOf}.
 */
final class Workload {
  static final String APPROVER = "bench-approver";
  static final String SUBMITTER = "bench-agent";
  private static final String[] WORDS = {"kafka", "keeps", "the", "log", "fabric", "gates", "every", "action", "risky",
      "actions", "wait", "for", "a", "signed", "approval", "policy", "stream", "router", "plugin", "runtime", "checkpoint",
      "flow", "state", "tenant", "request", "summary", "customer", "invoice", "overdue", "message", "charge", "draft",
      "signal", "lead", "score", "status", "update", "research", "plan", "classify", "tag", "order", "shipment", "refund",
      "meeting", "tomorrow", "report", "quarter", "revenue", "growth", "email", "contract", "renewal", "priority"};
  private static final int TENANTS = 8;

  private final RequestMix mix;
  private final int payloadBytes;
  private final String runId;
  private final TokenSigner signer;
  private final TokenVerifier verifier;
  private final RequestSigner submitter;
  private final SubmitterVerifier submitters;

  /** @param signed whether every request is signed by the run's own submitter (the gate then requires it), or the gate runs open */
  Workload(RequestMix mix, int payloadBytes, String runId, boolean signed) {
    if (payloadBytes < minimumPayloadBytes()) {
      throw new IllegalArgumentException("payload must be at least " + minimumPayloadBytes() + " bytes, got " + payloadBytes);
    }
    this.mix = mix;
    this.payloadBytes = payloadBytes;
    this.runId = runId;
    KeyPair keys = ApproverKeys.newKeyPair();
    this.signer = new TokenSigner(APPROVER, keys.getPrivate());
    Approver approver = new Approver(APPROVER, keys.getPublic(), Set.of(Approver.ANY), Set.of(Approver.ANY));
    this.verifier = new SignedTokenVerifier(ApproverRegistry.of(List.of(approver)));
    if (signed) {
      KeyPair agent = ApproverKeys.newKeyPair();
      this.submitter = new RequestSigner(SUBMITTER, agent.getPrivate());
      this.submitters = new SubmitterVerifier(ApproverRegistry.of(new Approver(SUBMITTER, agent.getPublic(), Set.of(Approver.ANY),
          Set.of(Approver.ANY))));
    } else {
      this.submitter = null;
      this.submitters = null;
    }
  }

  static int minimumPayloadBytes() {
    return "{\"text\":\"\"}".length() + 1;
  }

  RequestMix mix() {
    return mix;
  }

  /** The verifier the fabric's policy gate gets: it trusts exactly this run's approver. */
  TokenVerifier verifier() {
    return verifier;
  }

  /** The submitter registry the fabric's gate gets (it trusts exactly this run's submitter), or null for an open gate. */
  SubmitterVerifier submitters() {
    return submitters;
  }

  boolean signed() {
    return submitters != null;
  }

  String requestId(long seq) {
    return runId + "-" + seq;
  }

  /** The sequence number in a request id of this workload's form, or -1. */
  static long seqOf(String requestId) {
    if (requestId == null) {
      return -1;
    }
    int dash = requestId.lastIndexOf('-');
    if (dash < 0 || dash == requestId.length() - 1) {
      return -1;
    }
    long seq = 0;
    for (int i = dash + 1; i < requestId.length(); i++) {
      char c = requestId.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      seq = seq * 10 + (c - '0');
    }
    return seq;
  }

  /** Requests {@code from .. from+count-1}, built on every core (signing dominates). */
  TaskRequest[] build(long from, int count) {
    TaskRequest[] requests = new TaskRequest[count];
    IntStream.range(0, count).parallel().forEach(i -> requests[i] = request(from + i));
    return requests;
  }

  TaskRequest request(long seq) {
    String id = requestId(seq);
    Submission submission = Submission.of("bench-tenant-" + (seq % TENANTS), mix.actionOf(seq))
        .requestId(id)
        .source("bench")
        .payload(payload(seq));
    TaskRequest request = submission.toRequest(System.currentTimeMillis());
    if (mix.kindOf(seq).needsApproval()) {
      request.setApprovalToken(TokenCodec.encode(signer.approve(request, "pre-approved by fabric bench")));
    }
    // signed last: the signature covers the attached token, as a real submitter's does
    return submitter == null ? request : submitter.sign(request);
  }

  /** {@code {"text":"..."}} of exactly {@code payloadBytes} ASCII bytes, deterministic per seq. */
  String payload(long seq) {
    String head = "{\"text\":\"";
    String tail = "\"}";
    int room = payloadBytes - head.length() - tail.length();
    StringBuilder text = new StringBuilder(payloadBytes).append(head);
    SplittableRandom random = new SplittableRandom(seq * 0x9E3779B97F4A7C15L + 17);
    int used = 0;
    while (used < room) {
      String word = WORDS[random.nextInt(WORDS.length)];
      if (used > 0) {
        if (used + 1 >= room) {
          break;
        }
        text.append(' ');
        used++;
      }
      int take = Math.min(word.length(), room - used);
      text.append(word, 0, take);
      used += take;
    }
    while (used < room) {
      text.append('.');
      used++;
    }
    return text.append(tail).toString();
  }
}
