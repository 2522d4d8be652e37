package io.fabric.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka cluster of combined broker+controller nodes on loopback, each node a separate
 * {@code java -cp <classpath> kafka.Kafka} process (the broker classes ship in the fabric jar for the
 * embedded broker), all formatted with one cluster id. Replication 3, min.insync.replicas 2: the
 * settings of a production cluster, so losing one node loses nothing. The scale-out test runs on it;
 * {@code java -cp fabric.jar io.fabric.deploy.LoopbackKafkaCluster DIR} starts one until Ctrl-C, to
 * try the cluster profile or measure capacity on one machine.
 */
public final class LoopbackKafkaCluster implements AutoCloseable {
  private final Path dir;
  private final String classpath;
  private final List<Node> nodes = new ArrayList<>();

  private record Node(int id, int port, int controllerPort, Path properties, Path log, Process[] process) {
    boolean alive() {
      return process[0] != null && process[0].isAlive();
    }
  }

  /** Small and quick to start, for tests: each broker's JIT stops at C1 and its heap is small, so three fit beside a test. */
  public static final List<String> TEST_JVM = List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
  /** For measurements ({@code docs/capacity.md}): the JVM's defaults (G1, full JIT), with a heap a broker would get. */
  public static final List<String> MEASURING_JVM = List.of("-Xmx1g");

  private final List<String> jvmOptions;

  private LoopbackKafkaCluster(Path dir, String classpath, List<String> jvmOptions) {
    this.dir = dir;
    this.classpath = classpath;
    this.jvmOptions = jvmOptions;
  }

  /** Starts a 3-node cluster in DIR (argument 1, default {@code ./cluster}) and prints its bootstrap servers. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "cluster").toAbsolutePath();
    // started by hand to measure capacity (docs/capacity.md), so the brokers get a full JIT, not the tests' lean JVM
    LoopbackKafkaCluster cluster = start(dir, 3, Map.of(), System.getProperty("java.class.path"), MEASURING_JVM);
    Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "loopback-cluster-stop"));
    System.out.println("3-node KRaft cluster on " + cluster.bootstrapServers() + " (logs and data in " + dir + "); Ctrl-C stops it");
    Thread.currentThread().join();
  }

  /**
   * @param classpath where {@code kafka.Kafka} and {@code kafka.tools.StorageTool} are (the fabric jar)
   */
  public static LoopbackKafkaCluster start(Path dir, int size, Map<String, String> overrides, String classpath) throws IOException {
    return start(dir, size, overrides, classpath, TEST_JVM);
  }

  /** As {@link #start(Path, int, Map, String)}, with the brokers' JVM options ({@link #TEST_JVM} or {@link #MEASURING_JVM}). */
  public static LoopbackKafkaCluster start(Path dir, int size, Map<String, String> overrides, String classpath,
      List<String> jvmOptions) throws IOException {
    LoopbackKafkaCluster cluster = new LoopbackKafkaCluster(dir, classpath, jvmOptions);
    try {
      cluster.format(size, overrides);
      for (Node node : cluster.nodes) {
        cluster.launch(node);
      }
      cluster.awaitNodes(size, Duration.ofSeconds(120));
      return cluster;
    } catch (RuntimeException | IOException e) {
      cluster.close();
      throw e;
    }
  }

  private void format(int size, Map<String, String> overrides) throws IOException {
    Files.createDirectories(dir);
    for (int id = 1; id <= size; id++) {
      nodes.add(new Node(id, freePort(), freePort(), dir.resolve("node" + id + ".properties"), dir.resolve("node" + id + ".log"),
          new Process[1]));
    }
    String quorum = nodes.stream().map(n -> "127.0.0.1:" + n.controllerPort()).collect(Collectors.joining(","));
    String clusterId = Uuid.randomUuid().toString();
    List<String> initialControllers = new ArrayList<>();
    for (Node node : nodes) {
      Path logDir = dir.resolve("node" + node.id() + "-data");
      StringBuilder properties = new StringBuilder()
          .append("process.roles=broker,controller\n")
          .append("node.id=").append(node.id()).append('\n')
          .append("controller.quorum.bootstrap.servers=").append(quorum).append('\n')
          .append("listeners=PLAINTEXT://127.0.0.1:").append(node.port()).append(",CONTROLLER://127.0.0.1:").append(node.controllerPort()).append('\n')
          .append("advertised.listeners=PLAINTEXT://127.0.0.1:").append(node.port()).append(",CONTROLLER://127.0.0.1:")
          .append(node.controllerPort()).append('\n')
          .append("controller.listener.names=CONTROLLER\ninter.broker.listener.name=PLAINTEXT\n")
          .append("listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n")
          .append("log.dirs=").append(logDir).append('\n')
          .append("default.replication.factor=3\nmin.insync.replicas=2\noffsets.topic.replication.factor=3\n")
          .append("transaction.state.log.replication.factor=3\ntransaction.state.log.min.isr=2\n")
          .append("group.initial.rebalance.delay.ms=0\nauto.create.topics.enable=false\n");
      overrides.forEach((key, value) -> properties.append(key).append('=').append(value).append('\n'));
      Files.writeString(node.properties(), properties.toString());
      initialControllers.add(node.id() + "@127.0.0.1:" + node.controllerPort() + ":" + Uuid.randomUuid());
    }
    for (Node node : nodes) {
      int exit = java(node.log(), "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", node.properties().toString(),
          "--initial-controllers", String.join(",", initialControllers)).waitFor(60);
      if (exit != 0) {
        throw new IllegalStateException("formatting node " + node.id() + " failed (exit " + exit + "); see " + node.log());
      }
    }
  }

  private void launch(Node node) {
    node.process()[0] = java(node.log(), "kafka.Kafka", node.properties().toString()).process;
  }

  private record Started(Process process) {
    int waitFor(int seconds) {
      try {
        return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private Started java(Path log, String mainClass, String... args) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", classpath, mainClass));
    command.addAll(List.of(args));
    try {
      Files.writeString(log, "$ " + String.join(" ", command) + "\n", StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
      return new Started(new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + mainClass, e);
    }
  }

  private void awaitNodes(int count, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer yet";
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 4000))) {
      while (System.nanoTime() < deadline) {
        if (nodes.stream().anyMatch(n -> !n.alive())) {
          throw new IllegalStateException("a broker exited while the cluster started; see the logs in " + dir);
        }
        try {
          int up = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
          if (up == count) {
            return;
          }
          last = up + " of " + count + " brokers up";
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
          last = e.getMessage();
        }
        // a broker takes seconds to join; poll the cluster once a second
        TimeUnit.SECONDS.sleep(1);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException("the cluster did not come up in " + timeout + " (" + last + "); see the logs in " + dir);
  }

  public String bootstrapServers() {
    return nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
  }

  /** SIGKILL of node {@code id} (1-based): no controlled shutdown, its partitions' leaders move. */
  public void kill(int id) {
    Process process = nodes.get(id - 1).process()[0];
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public List<Integer> liveNodes() {
    return IntStream.range(0, nodes.size()).filter(i -> nodes.get(i).alive()).map(i -> i + 1).boxed().toList();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    for (Node node : nodes) {
      if (node.alive()) {
        node.process()[0].destroyForcibly();
      }
    }
    for (Node node : nodes) {
      if (node.process()[0] != null) {
        try {
          node.process()[0].waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
