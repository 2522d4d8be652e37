package io.fabric.schemas.topics;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every name the fabric reserves for itself in a request: attribute names, the rollback action,
 * the replay headers. Declared once, next to {@link TopicCatalog}, so the client, the gate, the
 * replayer and the plugin runtime agree on them.
 *
 * <p>The gate blocks a request from {@code fabric.tasks.ingress} that carries any attribute starting
 * with {@value #ATTRIBUTE_PREFIX}: lineage the fabric needs (a replay, a rollback) never travels as
 * an attribute an outside producer could set, but in fields and on topics only fabric components
 * write (see {@code ReplayLineage} and {@link #ROLLBACK_ACTION}).
 */
public final class ReservedNames {
  /** Attribute names with this prefix belong to the fabric; a request from upstream may not carry them. */
  public static final String ATTRIBUTE_PREFIX = "fabric.";
  /**
   * The action of a rollback request, which {@code fabric flows rollback} and the plugin runtime
   * write straight to a plugin's task topic. It is not a task type name (it has a dot), so the
   * gate's validator refuses it on ingress and it can never be routed by the gate.
   */
  public static final String ROLLBACK_ACTION = "fabric.rollback";
  /**
   * The attribute that marked a rollback before this version. Rollback requests still carry it so
   * older runtimes understand them during a rolling upgrade; no current component reads it, and the
   * gate blocks it on ingress like every reserved attribute.
   */
  public static final String LEGACY_ROLLBACK_ATTRIBUTE = "fabric.rollback";
  /** The rule a rollback request's decision names. */
  public static final String ROLLBACK_RULE = "fabric:rollback";
  /** Attribute of a rollback request (written downstream of the gate only): why the flow is undone. */
  public static final String ROLLBACK_REASON_ATTRIBUTE = "fabric.rollback.reason";
  /**
   * The scope entry that makes a submitter a DLQ replayer: only a submitter whose {@code actions}
   * list it by name (a {@code "*"} does not cover it) may sign a replay on {@code fabric.tasks.replays}.
   */
  public static final String REPLAY_SCOPE = "fabric.replay";
  /** Headers on a replayed record: provenance for people and tools, never trusted by a stage. */
  public static final String REPLAY_OF_HEADER = "fabric.replay.of";
  public static final String REPLAY_COUNT_HEADER = "fabric.replay.count";
  public static final String REPLAY_AT_HEADER = "fabric.replay.at";
  public static final String REPLAY_BY_HEADER = "fabric.replay.by";
  public static final List<String> REPLAY_HEADERS = List.of(REPLAY_OF_HEADER, REPLAY_COUNT_HEADER, REPLAY_AT_HEADER, REPLAY_BY_HEADER);

  /**
   * Prefix of the headers policy-stream puts on a request between its own stages (an early verdict
   * such as INVALID_REQUEST or DUPLICATE, decided where the request entered and written where its id
   * is checked). The gate strips every such header from what it reads on its input topics.
   */
  public static final String GATE_HEADER_PREFIX = "fabric.gate.";

  /**
   * Attribute the HTTP gateway sets on a request it signs for a caller: the name bound to the
   * caller's API key. The request schema has no on-behalf-of field, and the gate blocks every
   * {@value #ATTRIBUTE_PREFIX} attribute on ingress, so the name lives here, outside that prefix; the
   * gateway's signature covers it, and the gateway refuses a body that sets it itself.
   */
  public static final String GATEWAY_PRINCIPAL_ATTRIBUTE = "gateway.principal";
  /**
   * The scope entry that makes a submitter a gateway: only a submitter whose {@code actions} list it
   * by name (a {@code "*"} does not cover it) may sign a request carrying
   * {@value #GATEWAY_PRINCIPAL_ATTRIBUTE}, so no other producer of the ingress can name a caller who
   * never asked. A replay keeps the attribute of the request it replays, under the replayer's signature.
   */
  public static final String GATEWAY_SCOPE = "fabric.gateway";
  /**
   * Prefix of a request id scoped to a tenant: {@code tenant:T:ID} belongs to tenant {@code T} only
   * (a tenant name has no {@code :}), and the gate refuses it from any other tenant. The HTTP gateway
   * turns a caller-chosen {@code request_id} into this form, so two tenants choosing the same id
   * (an order number) never meet; ids without the prefix stay unique across all tenants, as before.
   */
  public static final String TENANT_SCOPED_ID_PREFIX = "tenant:";

  private ReservedNames() {}

  /**
   * {@code id} scoped to {@code tenant} ({@value #TENANT_SCOPED_ID_PREFIX}{@code tenant:id}); an id
   * already scoped to that tenant is returned as it is, so a caller may send back the id it was given.
   */
  public static String tenantScopedRequestId(String tenant, String id) {
    String prefix = tenantPrefix(tenant);
    return id.startsWith(prefix) ? id : prefix + id;
  }

  /** {@value #TENANT_SCOPED_ID_PREFIX}{@code tenant:}, what every name scoped to {@code tenant} starts with. */
  public static String tenantPrefix(String tenant) {
    return TENANT_SCOPED_ID_PREFIX + tenant + ":";
  }

  /** The tenant a {@link #tenantScopedRequestId scoped} request id belongs to; empty for an id without the prefix. */
  public static Optional<String> tenantOfRequestId(String requestId) {
    if (requestId == null || !requestId.startsWith(TENANT_SCOPED_ID_PREFIX)) {
      return Optional.empty();
    }
    int end = requestId.indexOf(':', TENANT_SCOPED_ID_PREFIX.length());
    return Optional.of(end < 0 ? requestId.substring(TENANT_SCOPED_ID_PREFIX.length())
        : requestId.substring(TENANT_SCOPED_ID_PREFIX.length(), end));
  }

  /** The first reserved attribute name in {@code attributes}, if any. */
  public static Optional<String> firstReservedAttribute(Map<String, String> attributes) {
    return attributes.keySet().stream().filter(name -> name.startsWith(ATTRIBUTE_PREFIX)).sorted().findFirst();
  }
}
