package io.fabric.schemas.topics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What each of the fabric's principals may do on Kafka, declared next to the catalog so that the
 * deployment renderer ({@code fabric deploy render}) turns it into ACLs and a test can check it
 * against the topologies. One principal per deployable app, one for the DLQ replayer and one per
 * registered submitter.
 *
 * <p>The rule the ACLs enforce: only the gate's inputs ({@code tasks.ingress}, {@code tasks.replays},
 * {@code approvals}) may be written from outside the fabric, and each only by the principal whose
 * job it is; every topic behind the gate is written only by the app that owns that step. Every
 * principal may describe every fabric topic ({@code fabric topics apply} at startup checks that they
 * exist) and read and write the writer-schema topic (every process publishes its schemas).
 */
public final class AccessRules {
  /** A Kafka resource type, as Kafka's ACLs and Strimzi's {@code KafkaUser} name them. */
  public enum Resource { TOPIC, GROUP, TRANSACTIONAL_ID, CLUSTER }

  /** A Kafka ACL operation. */
  public enum Operation { READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, ALTER_CONFIGS, DESCRIBE_CONFIGS, IDEMPOTENT_WRITE, ALL }

  /** One ACL: operations on a resource named exactly {@code name} or, when {@code prefixed}, on every resource starting with it. */
  public record Grant(Resource resource, String name, boolean prefixed, Set<Operation> operations) {
    public Grant {
      operations = Set.copyOf(EnumSet.copyOf(operations));
    }

    /** The operations in a stable order. */
    public List<Operation> sortedOperations() {
      return operations.stream().sorted().toList();
    }
  }

  /** A principal: the app it stands for, why it exists, and its grants in a stable order. */
  public record Principal(String app, String purpose, List<Grant> grants) {
    public Principal {
      grants = grants.stream().distinct().sorted(GRANT_ORDER).toList();
    }

    /** Topics (exact names) this principal may write. */
    public Set<String> writableTopics() {
      return topics(Operation.WRITE, false);
    }

    /** Topic prefixes this principal may write. */
    public Set<String> writableTopicPrefixes() {
      return topics(Operation.WRITE, true);
    }

    /** Whether this principal may write {@code topic}, by name or prefix. */
    public boolean mayWrite(String topic) {
      return may(topic, Operation.WRITE);
    }

    /** Whether this principal may read {@code topic}, by name or prefix. */
    public boolean mayRead(String topic) {
      return may(topic, Operation.READ);
    }

    private boolean may(String topic, Operation operation) {
      return grants.stream().anyMatch(g -> g.resource() == Resource.TOPIC
          && (g.operations().contains(operation) || g.operations().contains(Operation.ALL))
          && (g.prefixed() ? topic.startsWith(g.name()) : topic.equals(g.name())));
    }

    private Set<String> topics(Operation operation, boolean prefixed) {
      Set<String> names = new TreeSet<>();
      grants.stream().filter(g -> g.resource() == Resource.TOPIC && g.prefixed() == prefixed
          && (g.operations().contains(operation) || g.operations().contains(Operation.ALL))).forEach(g -> names.add(g.name()));
      return names;
    }
  }

  /** The app names {@link #forApp} knows: those of {@code fabric run --apps}. */
  public static final List<String> APPS = List.of("policy", "router", "plugins", "status", "audit");
  /** The principal of {@code fabric policy publish}: an operator, the only writer of the policy topic. */
  public static final String POLICY_ADMIN = "policy-admin";
  /** The principal of {@code fabric dlq replay}. */
  public static final String DLQ_REPLAYER = "dlq-replayer";
  /** The Streams application id stage of the status view (the gateway's store), as {@code StatusStore.STAGE} names it. */
  public static final String STATUS_STAGE = "gateway-status";

  private static final Comparator<Grant> GRANT_ORDER = Comparator.comparing(Grant::resource)
      .thenComparing(Grant::name).thenComparing(Grant::prefixed).thenComparing(g -> g.sortedOperations().toString());
  private static final Set<Operation> READ = EnumSet.of(Operation.READ, Operation.DESCRIBE);
  private static final Set<Operation> WRITE = EnumSet.of(Operation.WRITE, Operation.DESCRIBE);
  private static final Set<Operation> READ_WRITE = EnumSet.of(Operation.READ, Operation.WRITE, Operation.DESCRIBE);

  private AccessRules() {}

  /** Every principal of a deployment: the apps of {@code fabric run}, the DLQ replayer, and one per submitter name. */
  public static List<Principal> all(TopicCatalog catalog, Collection<String> submitters) {
    List<Principal> all = new ArrayList<>();
    APPS.forEach(app -> all.add(forApp(catalog, app)));
    all.add(dlqReplayer(catalog));
    all.add(policyAdmin(catalog));
    new TreeSet<>(submitters).forEach(s -> all.add(submitter(catalog, s)));
    return List.copyOf(all);
  }

  /**
   * The grants of one app of {@code fabric run --apps}: {@code policy}, {@code router}, {@code plugins},
   * {@code audit} (the chain sequencer) or {@code status} (the status view and the HTTP gateway in front of it: the only app that writes the
   * ingress for callers).
   */
  public static Principal forApp(TopicCatalog catalog, String app) {
    List<Grant> grants = new ArrayList<>(common(catalog));
    switch (app) {
      case "policy" -> {
        read(grants, catalog.ingress, catalog.replays, catalog.approvals, catalog.policy);
        write(grants, catalog.routed, catalog.blocked, catalog.approvalPending, catalog.requestStatus, catalog.audit, catalog.dlq);
        streamsApp(grants, catalog.applicationId(TopicCatalog.POLICY_STAGE));
        return new Principal(app, "policy-stream: the gate; reads the gate's inputs, writes the topics behind it", grants);
      }
      case "router" -> {
        read(grants, catalog.routed);
        write(grants, catalog.requestStatus, catalog.audit, catalog.dlq);
        grants.add(new Grant(Resource.TOPIC, pluginTopicPrefix(catalog), true, WRITE));
        streamsApp(grants, catalog.applicationId(TopicCatalog.ROUTER_STAGE));
        return new Principal(app, "router-stream: routes allowed tasks to their plugin's task topic", grants);
      }
      case "plugins" -> {
        // reads and writes every plugin's task topics: a rollback goes straight to a plugin's topic
        grants.add(new Grant(Resource.TOPIC, pluginTopicPrefix(catalog), true, READ_WRITE));
        readWrite(grants, catalog.flowState, catalog.flowIntents);
        write(grants, catalog.flowRevisions, catalog.requestStatus, catalog.audit, catalog.dlq);
        String group = catalog.pluginGroupId("", false);
        grants.add(new Grant(Resource.GROUP, group, true, READ));
        grants.add(new Grant(Resource.TRANSACTIONAL_ID, group, true, WRITE));
        return new Principal(app, "plugin runtimes: run the tasks, checkpoint flows", grants);
      }
      case "status" -> {
        read(grants, catalog.requestStatus, catalog.flowState, catalog.approvalPending);
        readWrite(grants, catalog.approvals);
        write(grants, catalog.ingress, catalog.audit, catalog.dlq);
        streamsApp(grants, catalog.applicationId(STATUS_STAGE));
        return new Principal(app, "the HTTP gateway and its status view: writes the ingress for API-key callers, posts approvals", grants);
      }
      case "audit" -> {
        // the chain's only writer; its own dead letters are audited like every app's
        read(grants, catalog.audit);
        write(grants, catalog.auditChain, catalog.audit, catalog.dlq);
        streamsApp(grants, catalog.applicationId(TopicCatalog.AUDIT_CHAIN_STAGE));
        return new Principal(app, "the audit chain sequencer: hash-chains fabric.audit onto the chain topic, its only writer", grants);
      }
      default -> throw new IllegalArgumentException("unknown app '" + app + "': use one of " + APPS);
    }
  }

  /** {@code fabric dlq replay}: reads dead letters, writes replays (the only principal that may) and its ledger, under one transactional id. */
  public static Principal dlqReplayer(TopicCatalog catalog) {
    List<Grant> grants = new ArrayList<>(common(catalog));
    read(grants, catalog.dlq);
    write(grants, catalog.replays, catalog.audit);
    readWrite(grants, catalog.dlqReplays);
    grants.add(new Grant(Resource.TRANSACTIONAL_ID, catalog.dlqReplayerTransactionalId(), false, WRITE));
    return new Principal(DLQ_REPLAYER, "fabric dlq replay: the only writer of the replays topic", grants);
  }

  /** {@code fabric policy publish}: an operator; reads and writes the policy topic (publish shows what it replaces), nothing else. */
  public static Principal policyAdmin(TopicCatalog catalog) {
    List<Grant> grants = new ArrayList<>(common(catalog));
    readWrite(grants, catalog.policy);
    return new Principal(POLICY_ADMIN, "fabric policy publish: an operator, the only writer of the policy topic", grants);
  }

  /** A registered submitter (an upstream system): may write the ingress and nothing else. */
  public static Principal submitter(TopicCatalog catalog, String name) {
    if (!name.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?")) {
      throw new IllegalArgumentException("submitter name must be lower-case letters, digits and '-': " + name);
    }
    List<Grant> grants = new ArrayList<>();
    write(grants, catalog.ingress);
    grants.add(new Grant(Resource.TOPIC, catalog.schemas.name(), false, READ));
    return new Principal("submitter-" + name, "submitter " + name + ": writes requests to the ingress only", grants);
  }

  private static List<Grant> common(TopicCatalog catalog) {
    return List.of(
        new Grant(Resource.TOPIC, catalog.prefix(), true, EnumSet.of(Operation.DESCRIBE, Operation.DESCRIBE_CONFIGS)),
        new Grant(Resource.TOPIC, catalog.schemas.name(), false, READ_WRITE),
        new Grant(Resource.CLUSTER, "kafka-cluster", false, EnumSet.of(Operation.IDEMPOTENT_WRITE)));
  }

  /** A Streams app: its consumer group, its transactional ids (EOS v2) and its internal topics, all under its application id. */
  private static void streamsApp(List<Grant> grants, String applicationId) {
    grants.add(new Grant(Resource.GROUP, applicationId, true, READ));
    grants.add(new Grant(Resource.TRANSACTIONAL_ID, applicationId, true, WRITE));
    grants.add(new Grant(Resource.TOPIC, applicationId + "-", true, EnumSet.of(Operation.ALL)));
  }

  private static String pluginTopicPrefix(TopicCatalog catalog) {
    String some = catalog.pluginTasks("x").name();
    return some.substring(0, some.length() - "x.tasks".length());
  }

  private static void read(List<Grant> grants, TopicSpec<?, ?>... topics) {
    for (TopicSpec<?, ?> t : topics) {
      grants.add(new Grant(Resource.TOPIC, t.name(), false, READ));
    }
  }

  private static void write(List<Grant> grants, TopicSpec<?, ?>... topics) {
    for (TopicSpec<?, ?> t : topics) {
      grants.add(new Grant(Resource.TOPIC, t.name(), false, WRITE));
    }
  }

  private static void readWrite(List<Grant> grants, TopicSpec<?, ?>... topics) {
    for (TopicSpec<?, ?> t : topics) {
      grants.add(new Grant(Resource.TOPIC, t.name(), false, READ_WRITE));
    }
  }
}
