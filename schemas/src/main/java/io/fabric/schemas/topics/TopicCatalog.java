package io.fabric.schemas.topics;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.ChainedAuditEvent;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.TopicSchemaLookup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic the fabric reads or writes, declared once. Topologies build their
 * Consumed/Produced from it and {@code fabric topics apply} creates topics from it, so nothing
 * relies on broker auto-creation or defaults.
 *
 * <p>Task topics are keyed by flow id so a flow's steps keep their order; they must share one
 * partition count because the policy gate joins requests and approvals by partition.
 */
public final class TopicCatalog {
  public static final String PREFIX = "fabric.";
  public static final int DEFAULT_PARTITIONS = 3;

  /*
   * Names below are contracts, not style: a Streams application id names its changelogs, repartition
   * topics and consumer group; a plugin runtime's group holds its offsets and its transactional id fences
   * its zombies; a stage is written into every dead letter and filtered on by `fabric dlq --stage`.
   * Renaming one orphans state on upgrade, so every module derives them here and TopicCatalogTest pins them.
   */
  /** The policy gate's stage: its dead letters' stage and, under the prefix, its Streams application id. */
  public static final String POLICY_STAGE = "policy-stream";
  /** The router's stage: its dead letters' stage and, under the prefix, its Streams application id. */
  public static final String ROUTER_STAGE = "router-stream";
  /** The DLQ replayer: under the prefix, its transactional id (the one Kafka ACLs let write the replays topic). */
  public static final String DLQ_REPLAYER = "dlq-replayer";
  /** The audit chain sequencer: under the prefix, its Streams application id (one writer per chain partition). */
  public static final String AUDIT_CHAIN_STAGE = "audit-chain";
  private static final String PLUGIN_STAGE_PREFIX = "plugin:";
  private static final String PLUGIN_TOPIC_PREFIX = "plugin.";
  private static final String TASKS_SUFFIX = ".tasks";
  private static final String CANARY_TASKS_SUFFIX = ".canary.tasks";
  private static final String PLUGIN_GROUP_PREFIX = "fabric-plugin-";
  private static final String CANARY_GROUP_SUFFIX = "-canary";

  public final TopicSpec<String, TaskRequest> ingress;
  /**
   * DLQ replays of requests, keyed like ingress: the gate's second input, the only one on which it
   * accepts a request's replay lineage. Only the DLQ replayer may write it (Kafka ACLs).
   */
  public final TopicSpec<String, TaskRequest> replays;
  public final TopicSpec<String, BlockedTask> blocked;
  public final TopicSpec<String, PendingApproval> approvalPending;
  public final TopicSpec<String, ApprovalToken> approvals;
  public final TopicSpec<String, RoutedTask> routed;
  public final TopicSpec<String, FlowCheckpoint> flowState;
  public final TopicSpec<String, FlowCheckpoint> flowRevisions;
  public final TopicSpec<String, RequestStatus> requestStatus;
  public final TopicSpec<String, DeadLetter> dlq;
  public final TopicSpec<String, AuditEvent> audit;
  /**
   * The audit events, hash-chained per partition by the audit chain sequencer (its only writer): partition
   * {@code p} chains the events of {@code audit}'s partition {@code p}, so both have one partition count.
   * Kept forever, since deleting the head of a chain would leave {@code fabric audit verify} a later start.
   */
  public final TopicSpec<String, ChainedAuditEvent> auditChain;
  public final TopicSpec<String, String> schemas;
  /** Execution intents written before a plugin call, so a restart can tell an in-doubt execution (JSON values). */
  public final TopicSpec<String, String> flowIntents;
  /** The DLQ replay ledger, keyed by dead letter id, so a replay never republishes a record twice (JSON values). */
  public final TopicSpec<String, String> dlqReplays;
  /** Every model turn of every agent run (prompt, response, tokens, provider, latency), keyed by run id; JSON, secrets redacted. */
  public final TopicSpec<String, String> agentConversations;
  /**
   * The published policy (YAML text) under key {@code active}, one partition, compacted: every
   * policy-stream instance reads it into a global store and decides each record by its latest value;
   * written only by the operator's {@code fabric policy publish} (Kafka ACLs).
   */
  public final TopicSpec<String, String> policy;
  /**
   * Tripped breakers (JSON) under {@code tenant:NAME} / {@code submitter:NAME}, written by policy-stream,
   * and signed resets under {@code reset:SCOPE}, written by {@code fabric breakers reset}; one partition,
   * compacted, read by every policy-stream instance, which verifies each reset's signature.
   */
  public final TopicSpec<String, String> breakers;

  private final String prefix;
  private final int partitions;
  private final List<String> pluginNames;

  private TopicCatalog(String prefix, int partitions, Collection<String> pluginNames) {
    if (!prefix.matches("[A-Za-z0-9._-]*")) {
      throw new IllegalArgumentException("topic prefix may only use letters, digits, '.', '_' and '-': " + prefix);
    }
    this.prefix = prefix;
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
    }
    this.partitions = partitions;
    this.pluginNames = List.copyOf(new TreeSet<>(pluginNames));
    Map<String, String> week = retention(Duration.ofDays(7));
    Map<String, String> month = retention(Duration.ofDays(30));
    Map<String, String> compacted = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
    ingress = avro("tasks.ingress", TaskRequest.class, week, "requests from upstream systems and the CLI, keyed by tenant|idempotency key");
    replays = avro("tasks.replays", TaskRequest.class, week, "DLQ replays of requests, keyed by tenant|idempotency key; written only by the replayer");
    blocked = avro("tasks.blocked", BlockedTask.class, month, "requests that will never run, with the reason");
    approvalPending = avro("tasks.approval-pending", PendingApproval.class, month, "class-B requests waiting for approval");
    approvals = avro("approvals", ApprovalToken.class, month, "signed approval tokens, keyed by flow id");
    routed = avro("tasks.routed", RoutedTask.class, week, "requests the policy allowed, with the decision");
    flowState = avro("flows.state", FlowCheckpoint.class, compacted, "latest checkpoint per flow");
    flowRevisions = avro("flows.revisions", FlowCheckpoint.class, month, "every checkpoint revision");
    requestStatus = avro("requests.status", RequestStatus.class, compacted, "latest status per request id");
    dlq = avro("dlq", DeadLetter.class, Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1"), "dead letters with full context, kept until replayed or purged");
    audit = avro("audit", AuditEvent.class, retention(Duration.ofDays(90)), "policy violations, security events, SLA warnings");
    auditChain = avro("audit.chain", ChainedAuditEvent.class, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
        TopicConfig.RETENTION_MS_CONFIG, "-1"), "audit events hash-chained per partition; written only by the audit chain sequencer");
    flowIntents = new TopicSpec<>(prefix + "flows.intents", Serdes::String, Serdes::String, partitions, compacted,
        "execution intents by flow id, for in-doubt detection after a crash");
    dlqReplays = new TopicSpec<>(prefix + "dlq.replays", Serdes::String, Serdes::String, partitions, compacted,
        "replay ledger keyed by dead letter id");
    agentConversations = new TopicSpec<>(prefix + "agents.conversations", Serdes::String, Serdes::String, partitions, month,
        "every model turn of every agent run (prompt, response, tokens, provider, latency), keyed by run id; written with the run's checkpoint");
    policy = new TopicSpec<>(prefix + "policy", Serdes::String, Serdes::String, 1, compacted,
        "the published policy by key 'active'; read by every policy-stream instance, written only by fabric policy publish");
    breakers = new TopicSpec<>(prefix + "breakers", Serdes::String, Serdes::String, 1, compacted,
        "tripped breakers by scope and their signed resets; read by every policy-stream instance");
    schemas = new TopicSpec<>(TopicSchemaLookup.SCHEMAS_TOPIC, Serdes::String, Serdes::String, 1,
        Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT), "writer schemas by fingerprint");
  }

  public static TopicCatalog create(int partitions, Collection<String> pluginNames) {
    return new TopicCatalog(PREFIX, partitions, pluginNames);
  }

  /** A catalog whose topics start with another prefix, e.g. one namespace per environment or per test. */
  public static TopicCatalog create(String prefix, int partitions, Collection<String> pluginNames) {
    return new TopicCatalog(prefix, partitions, pluginNames);
  }

  public String prefix() {
    return prefix;
  }

  /** The same topics with more plugins' task topics. */
  public TopicCatalog withPlugins(Collection<String> plugins) {
    return new TopicCatalog(prefix, partitions, plugins);
  }

  public static TopicCatalog defaults() {
    return create(DEFAULT_PARTITIONS, List.of());
  }

  public int partitions() {
    return partitions;
  }

  public List<String> pluginNames() {
    return pluginNames;
  }

  /** The task topic of one plugin: {@code fabric.plugin.<name>.tasks}. */
  public TopicSpec<String, RoutedTask> pluginTasks(String plugin) {
    return avro(PLUGIN_TOPIC_PREFIX + plugin + TASKS_SUFFIX, RoutedTask.class, retention(Duration.ofDays(7)), "tasks for plugin " + plugin);
  }

  /** The canary task topic of one plugin, used when the plugin declares a canary version. */
  public TopicSpec<String, RoutedTask> pluginCanaryTasks(String plugin) {
    return avro(PLUGIN_TOPIC_PREFIX + plugin + CANARY_TASKS_SUFFIX, RoutedTask.class, retention(Duration.ofDays(7)),
        "canary tasks for plugin " + plugin);
  }

  /** The task topic of one plugin, canary or not. */
  public TopicSpec<String, RoutedTask> pluginTasks(String plugin, boolean canary) {
    return canary ? pluginCanaryTasks(plugin) : pluginTasks(plugin);
  }

  /**
   * Whether {@code topic} is a plugin's task topic (canary or not) of this fabric, known plugin or not:
   * a topic of routed tasks that a plugin runtime consumes.
   */
  public boolean isPluginTasksTopic(String topic) {
    return pluginOf(topic).isPresent();
  }

  /** The plugin whose task topic (canary or not) {@code topic} is, for plugins this catalog was not told about too. */
  public Optional<String> pluginOf(String topic) {
    return pluginTopic(topic).map(PluginTopic::plugin);
  }

  /** The spec of a plugin's task topic (canary or not) named {@code topic}, for plugins this catalog was not told about too. */
  public Optional<TopicSpec<String, RoutedTask>> pluginTasksTopic(String topic) {
    return pluginTopic(topic).map(t -> pluginTasks(t.plugin(), t.canary()));
  }

  private record PluginTopic(String plugin, boolean canary) {}

  private Optional<PluginTopic> pluginTopic(String topic) {
    String plugins = prefix + PLUGIN_TOPIC_PREFIX;
    if (topic == null || !topic.startsWith(plugins)) {
      return Optional.empty();
    }
    String rest = topic.substring(plugins.length());
    if (rest.endsWith(CANARY_TASKS_SUFFIX) && rest.length() > CANARY_TASKS_SUFFIX.length()) {
      return Optional.of(new PluginTopic(rest.substring(0, rest.length() - CANARY_TASKS_SUFFIX.length()), true));
    }
    if (rest.endsWith(TASKS_SUFFIX) && rest.length() > TASKS_SUFFIX.length()) {
      return Optional.of(new PluginTopic(rest.substring(0, rest.length() - TASKS_SUFFIX.length()), false));
    }
    return Optional.empty();
  }

  /** Whether {@code topic} carries routed tasks: the routed topic or a plugin's task topic. */
  public boolean carriesRoutedTasks(String topic) {
    return topic != null && (topic.equals(routed.name()) || isPluginTasksTopic(topic));
  }

  /** The Streams application id (and so consumer group and internal-topic prefix) of a stage: {@code fabric.policy-stream}. */
  public String applicationId(String stage) {
    return prefix + stage;
  }

  /**
   * A repartition topic of a Streams stage, as Kafka Streams names it from the stage's application id and
   * the {@code Repartitioned.as} name: {@code fabric.policy-stream-by-flow-repartition}.
   */
  public String repartitionTopic(String stage, String repartitionName) {
    return applicationId(stage) + "-" + repartitionName + "-repartition";
  }

  /** The transactional id of the DLQ replayer: {@code fabric.dlq-replayer}; one at a time, a second one fences the first. */
  public String dlqReplayerTransactionalId() {
    return prefix + DLQ_REPLAYER;
  }

  /** The consumer group of a plugin's runtimes: {@code fabric.fabric-plugin-<name>}, with {@code -canary} for the canary runtimes. */
  public String pluginGroupId(String plugin, boolean canary) {
    return prefix + PLUGIN_GROUP_PREFIX + plugin + (canary ? CANARY_GROUP_SUFFIX : "");
  }

  /** The transactional id of one runtime instance of a plugin: its group id, {@code -}, the instance id (a restart fences its zombie). */
  public String pluginTransactionalId(String plugin, boolean canary, String instanceId) {
    return pluginGroupId(plugin, canary) + "-" + instanceId;
  }

  /** The stage a plugin's runtime writes into its dead letters: {@code plugin:<name>}. */
  public static String pluginStage(String plugin) {
    return PLUGIN_STAGE_PREFIX + plugin;
  }

  /** Whether a dead letter's stage is a plugin runtime's. */
  public static boolean isPluginStage(String stage) {
    return stage != null && stage.startsWith(PLUGIN_STAGE_PREFIX);
  }

  /** Every topic, in a stable order: the fixed ones, then each known plugin's task topics. */
  public List<TopicSpec<?, ?>> all() {
    List<TopicSpec<?, ?>> all = new ArrayList<>(List.of(ingress, replays, blocked, approvalPending, approvals, routed,
        flowState, flowRevisions, flowIntents, requestStatus, dlq, dlqReplays, audit, auditChain, schemas, policy, agentConversations,
        breakers));
    for (String plugin : pluginNames) {
      all.add(pluginTasks(plugin));
      all.add(pluginCanaryTasks(plugin));
    }
    return List.copyOf(all);
  }

  /**
   * Whether a record written to {@code topic} would skip the policy gate: every topic of this
   * fabric (its prefix, internal and plugin topics included) except the gate's inputs (ingress,
   * replays, approvals). A replay may only go to a gate input.
   */
  public boolean bypassesGate(String topic) {
    if (topic == null || !topic.startsWith(prefix)) {
      return false;
    }
    return !topic.equals(ingress.name()) && !topic.equals(replays.name()) && !topic.equals(approvals.name());
  }

  /**
   * A plugin's journal topic by its name without the prefix (see LongRunningJobs.journal): only the
   * topics declared here as journals, so a plugin cannot write to any other topic through it.
   */
  public TopicSpec<String, String> journal(String name) {
    if ((prefix + name).equals(agentConversations.name())) {
      return agentConversations;
    }
    throw new IllegalArgumentException("no journal topic " + name + " in the catalog (journals: agents.conversations)");
  }

  public Optional<TopicSpec<?, ?>> byName(String name) {
    return all().stream().filter(t -> t.name().equals(name)).findFirst();
  }

  private <V extends SpecificRecord> TopicSpec<String, V> avro(String suffix, Class<V> type,
                                                               Map<String, String> config, String purpose) {
    return new TopicSpec<>(prefix + suffix, Serdes::String, () -> AvroSerde.of(type), partitions, config, purpose);
  }

  private static Map<String, String> retention(Duration duration) {
    return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
        TopicConfig.RETENTION_MS_CONFIG, Long.toString(duration.toMillis()));
  }
}
