package io.fabric.deploy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real, single-node Apache Kafka broker (KRaft, combined {@code broker,controller} roles) running inside the
 * current JVM.
 *
 * <h2>Why it exists</h2>
 * The fabric needs a Kafka cluster for everything it does. For the demo, for integration tests and for
 * {@code fabric run} without {@code --bootstrap-server}, requiring people to install and run Kafka first is friction,
 * so this class starts the broker straight from the Kafka jars ({@link KafkaRaftServer}) on {@code 127.0.0.1}. It is
 * the real broker, not a mock: transactions / {@code exactly_once_v2}, consumer groups, compaction and
 * {@code read_committed} all behave as on a cluster. It is tuned for a small machine (replication factor 1 for every
 * internal topic, one partition for {@code __consumer_offsets} and {@code __transaction_state}, few threads, an 8 MiB
 * cleaner dedupe buffer). It is <b>not</b> meant for production: one node, no replication, no security.
 *
 * <h2>Layout and restart semantics</h2>
 * Kafka's log directory (which is also the KRaft metadata log directory) is {@code <dataDir>/kafka}; the rest of
 * {@code dataDir} is left alone, so callers may keep other state (e.g. Streams state dirs) next to it.
 * <ul>
 *   <li>If {@code <dataDir>/kafka/meta.properties} does not exist, the directory is formatted with a new random
 *       cluster id (what {@code kafka-storage.sh format -t <id> -c <config>} does for a static quorum), through
 *       {@link Formatter}.</li>
 *   <li>If it exists, the directory is <b>not</b> reformatted: the persisted cluster id (and node id) are reused, so a
 *       broker restarted on the same {@code dataDir} keeps its topics, committed records, consumer group offsets and
 *       transactional state.</li>
 * </ul>
 * The client port and the controller port may differ between runs (the quorum is static, configured through
 * {@code controller.quorum.voters}, so the controller endpoint is not persisted). Only one broker at a time can use
 * a given {@code dataDir}: {@link #start} locks {@code <dataDir>/kafka.lock} for the broker's lifetime and fails
 * fast if another embedded broker (in this JVM or another process) holds it. This matters because in combined mode
 * Kafka itself only locks the log dir after the controller has already opened the metadata log.
 *
 * <h2>Usage</h2>
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(Path.of("data"), 0)) {
 *     String bootstrap = broker.bootstrapServers();   // "127.0.0.1:<port>"
 *     ...
 * }
 * }</pre>
 * {@link #start} returns once the broker is registered and unfenced, i.e. it accepts Admin, produce and fetch requests.
 * Topics are never auto-created ({@code auto.create.topics.enable=false}): create them with {@code Admin}.
 * The broker logs through SLF4J; without an SLF4J backend on the classpath nothing is logged.
 *
 * <p>Note: like any in-process {@link KafkaRaftServer}, a fatal metadata fault inside the broker makes Kafka halt
 * the JVM ({@code Exit.halt}); this does not happen in normal operation.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    /** Host every listener binds to (and the host in {@link #bootstrapServers()}). */
    public static final String HOST = "127.0.0.1";
    /** Name of the Kafka log directory inside {@code dataDir}. */
    public static final String LOG_DIR_NAME = "kafka";

    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final int DEFAULT_NODE_ID = 1;
    private static final int MAX_START_ATTEMPTS = 3;
    private static final String LOCK_FILE_NAME = "kafka.lock";
    /** Data dirs locked by brokers of this JVM (a second FileChannel lock attempt in the same JVM is not safe). */
    private static final Set<Path> DATA_DIRS_IN_USE = ConcurrentHashMap.newKeySet();

    private final KafkaRaftServer server;
    private final DataDirLock lock;
    private final Path dataDir;
    private final Path logDir;
    private final String clusterId;
    private final int port;
    private final int controllerPort;
    private final Duration startupTime;
    private boolean closed;

    private EmbeddedKafkaBroker(KafkaRaftServer server, DataDirLock lock, Path dataDir, Path logDir, String clusterId,
                                int port, int controllerPort, Duration startupTime) {
        this.server = server;
        this.lock = lock;
        this.dataDir = dataDir;
        this.logDir = logDir;
        this.clusterId = clusterId;
        this.port = port;
        this.controllerPort = controllerPort;
        this.startupTime = startupTime;
    }

    /**
     * Starts a broker with the default small-machine settings.
     *
     * @param dataDir directory holding the broker's data (created if missing); reused across restarts
     * @param port    client port on 127.0.0.1, or 0 to pick a free one
     * @throws IllegalStateException if {@code port} is already in use, or {@code dataDir} is used by another broker
     */
    public static EmbeddedKafkaBroker start(Path dataDir, int port) {
        return start(dataDir, port, Map.of());
    }

    /**
     * Starts a broker with the default small-machine settings plus {@code overrides} (broker config keys, e.g.
     * {@code "log.retention.ms"}); an override replaces the default of the same key. Overriding the listener, role or
     * quorum settings is not supported.
     *
     * @param dataDir   directory holding the broker's data (created if missing); reused across restarts
     * @param port      client port on 127.0.0.1, or 0 to pick a free one
     * @param overrides extra broker settings
     * @throws IllegalStateException if {@code port} is already in use, or {@code dataDir} is used by another broker
     */
    public static EmbeddedKafkaBroker start(Path dataDir, int port, Map<String, String> overrides) {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(overrides, "overrides");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
        }
        Path absDataDir;
        try {
            Files.createDirectories(dataDir.resolve(LOG_DIR_NAME));
            absDataDir = dataDir.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create Kafka data dir " + dataDir.resolve(LOG_DIR_NAME), e);
        }
        Path logDir = absDataDir.resolve(LOG_DIR_NAME);
        if (port != 0 && !isPortFree(port)) {
            throw portInUse(port, absDataDir);
        }
        long t0 = System.nanoTime();
        DataDirLock lock = DataDirLock.acquire(absDataDir);
        try {
            EmbeddedKafkaBroker broker = startLocked(absDataDir, logDir, port, overrides, lock, t0);
            lock = null; // now owned by the broker
            return broker;
        } finally {
            if (lock != null) {
                lock.release();
            }
        }
    }

    private static EmbeddedKafkaBroker startLocked(Path absDataDir, Path logDir, int port,
                                                   Map<String, String> overrides, DataDirLock lock, long t0) {
        Storage storage = prepareStorage(logDir);

        RuntimeException last = null;
        for (int attempt = 1; attempt <= MAX_START_ATTEMPTS; attempt++) {
            int brokerPort = port != 0 ? port : freePort(-1);
            int controllerPort = freePort(brokerPort);
            Map<String, String> props = brokerConfig(storage.nodeId, logDir, brokerPort, controllerPort, overrides);
            KafkaRaftServer server = null;
            try {
                // the constructor already reads and verifies meta.properties of the log dir
                server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
                server.startup();
            } catch (RuntimeException e) {
                if (server != null) {
                    shutdownQuietly(server);
                }
                if (mentions(e, "Failed to acquire lock")) {
                    throw dataDirInUse(absDataDir, e);
                }
                if (isBindFailure(e)) {
                    if (port != 0 && !isPortFree(port)) {
                        throw portInUse(port, absDataDir);
                    }
                    // an auto-picked port was grabbed by someone else between probing and binding: retry
                    LOG.warn("Embedded Kafka broker could not bind (attempt {}/{}): {}", attempt, MAX_START_ATTEMPTS,
                            e.getMessage());
                    last = e;
                    continue;
                }
                throw new IllegalStateException("embedded Kafka broker failed to start in " + absDataDir + ": " + e, e);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            LOG.info("Embedded Kafka broker started at {}:{} in {} ms (cluster id {}, {} data dir {})", HOST,
                    brokerPort, took.toMillis(), storage.clusterId, storage.formatted ? "new" : "existing", logDir);
            return new EmbeddedKafkaBroker(server, lock, absDataDir, logDir, storage.clusterId, brokerPort,
                    controllerPort, took);
        }
        throw new IllegalStateException("embedded Kafka broker could not bind a free port after "
                + MAX_START_ATTEMPTS + " attempts", last);
    }

    /** {@code "127.0.0.1:<port>"}, for the clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    /** The {@code dataDir} passed to {@link #start} (as a real, absolute path). */
    public Path dataDir() {
        return dataDir;
    }

    /** Kafka's log + metadata directory, {@code <dataDir>/kafka}. */
    public Path logDir() {
        return logDir;
    }

    /** The KRaft cluster id; stable across restarts on the same {@code dataDir}. */
    public String clusterId() {
        return clusterId;
    }

    /** The client port on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** The controller listener port on 127.0.0.1 (internal; clients never need it). */
    public int controllerPort() {
        return controllerPort;
    }

    /** How long {@link #start} took (including formatting a new data dir). */
    public Duration startupTime() {
        return startupTime;
    }

    /** Shuts the broker down and waits until it has stopped. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long t0 = System.nanoTime();
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            lock.release();
        }
        LOG.info("Embedded Kafka broker {} stopped in {} ms", bootstrapServers(),
                Duration.ofNanos(System.nanoTime() - t0).toMillis());
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[" + bootstrapServers() + ", clusterId=" + clusterId + ", dataDir=" + dataDir + "]";
    }

    // ------------------------------------------------------------------------------------------------------------

    private record Storage(String clusterId, int nodeId, boolean formatted) {
    }

    /** Reuses a formatted log dir as is, or formats an empty one with a new cluster id. */
    private static Storage prepareStorage(Path logDir) {
        String dir = logDir.toString();
        if (Files.exists(logDir.resolve(MetaPropertiesEnsemble.META_PROPERTIES_NAME))) {
            MetaPropertiesEnsemble ensemble;
            try {
                ensemble = new MetaPropertiesEnsemble.Loader()
                        .addLogDirs(List.of(dir))
                        .addMetadataLogDir(dir)
                        .load();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + logDir.resolve("meta.properties"), e);
            }
            Optional<String> clusterId = ensemble.clusterId();
            if (clusterId.isEmpty()) {
                throw new IllegalStateException(logDir.resolve("meta.properties") + " has no cluster.id; "
                        + "delete " + logDir + " or use another --data-dir");
            }
            return new Storage(clusterId.get(), ensemble.nodeId().orElse(DEFAULT_NODE_ID), false);
        }
        String clusterId = Uuid.randomUuid().toString();
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(DEFAULT_NODE_ID)
                    .setClusterId(clusterId)
                    .setDirectories(List.of(dir))
                    .setMetadataLogDirectory(dir)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format Kafka data dir " + logDir + ": " + e.getMessage(), e);
        }
        return new Storage(clusterId, DEFAULT_NODE_ID, true);
    }

    private static Map<String, String> brokerConfig(int nodeId, Path logDir, int brokerPort, int controllerPort,
                                                    Map<String, String> overrides) {
        Map<String, String> p = new LinkedHashMap<>();
        // KRaft, combined mode, static single-voter quorum
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(nodeId));
        p.put("controller.quorum.voters", nodeId + "@" + HOST + ":" + controllerPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort + ","
                + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort);
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("metadata.log.dir", logDir.toString());
        // one node: replication factor 1 everywhere (KAFKA-NOTES §6, verified for exactly_once_v2)
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("share.coordinator.state.topic.num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        p.put("delete.topic.enable", "true");
        // small machine
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("log.cleaner.threads", "1");
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
        p.put("log.cleaner.io.buffer.size", Integer.toString(256 * 1024));
        p.put("log.segment.bytes", Integer.toString(64 * 1024 * 1024));
        p.putAll(overrides);
        return p;
    }

    private static void shutdownQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.debug("ignoring error while shutting down a broker that failed to start", e);
        }
    }

    private static IllegalStateException portInUse(int port, Path dataDir) {
        return new IllegalStateException("port " + port + " is already in use; pass --bootstrap-server " + HOST + ":"
                + port + " to use the broker running there, or start the embedded broker (data dir " + dataDir
                + ") on another port (0 = any free port)");
    }

    private static IllegalStateException dataDirInUse(Path dataDir, Throwable cause) {
        return new IllegalStateException("data dir " + dataDir + " is already used by another Kafka broker; stop it,"
                + " or pass --bootstrap-server to use that broker, or pass another --data-dir", cause);
    }

    /** Exclusive lock on {@code <dataDir>/kafka.lock}, across this JVM and other processes. */
    private static final class DataDirLock {
        private final Path dataDir;
        private final FileChannel channel;
        private final FileLock fileLock;
        private boolean released;

        private DataDirLock(Path dataDir, FileChannel channel, FileLock fileLock) {
            this.dataDir = dataDir;
            this.channel = channel;
            this.fileLock = fileLock;
        }

        static DataDirLock acquire(Path dataDir) {
            if (!DATA_DIRS_IN_USE.add(dataDir)) {
                throw dataDirInUse(dataDir, null);
            }
            FileChannel channel = null;
            try {
                channel = FileChannel.open(dataDir.resolve(LOCK_FILE_NAME),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock fileLock = channel.tryLock();
                if (fileLock == null) {
                    throw dataDirInUse(dataDir, null);
                }
                return new DataDirLock(dataDir, channel, fileLock);
            } catch (IOException | RuntimeException e) { // incl. OverlappingFileLockException
                closeQuietly(channel);
                DATA_DIRS_IN_USE.remove(dataDir);
                if (e instanceof IllegalStateException ise) {
                    throw ise;
                }
                if (e instanceof IOException io) {
                    throw new UncheckedIOException("cannot lock " + dataDir.resolve(LOCK_FILE_NAME), io);
                }
                throw dataDirInUse(dataDir, e);
            }
        }

        synchronized void release() {
            if (released) {
                return;
            }
            released = true;
            try {
                fileLock.release();
            } catch (IOException e) {
                LOG.debug("cannot release {}", dataDir.resolve(LOCK_FILE_NAME), e);
            } finally {
                closeQuietly(channel);
                DATA_DIRS_IN_USE.remove(dataDir);
            }
        }

        private static void closeQuietly(FileChannel channel) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException e) {
                    LOG.debug("cannot close lock file channel", e);
                }
            }
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return mentions(e, "failed to bind");
    }

    private static boolean mentions(Throwable e, String text) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(text)) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByName(HOST);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isPortFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(loopback(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A currently free port on 127.0.0.1, different from {@code exclude}. */
    private static int freePort(int exclude) {
        for (int i = 0; i < 10; i++) {
            try (ServerSocket socket = new ServerSocket(0, 1, loopback())) {
                int p = socket.getLocalPort();
                if (p != exclude) {
                    return p;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free port on " + HOST, e);
            }
        }
        throw new IllegalStateException("cannot find a free port on " + HOST);
    }
}
