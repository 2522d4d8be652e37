package io.fabric.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit Jupiter extension giving tests a real Kafka broker: ONE {@link EmbeddedKafkaBroker} per test JVM, shared by
 * every test class that uses the extension, started lazily on first use (temp data dir, free port).
 *
 * <pre>{@code
 * @ExtendWith(EmbeddedKafkaExtension.class)
 * class MyTest {
 *     @Test void works() {
 *         String topic = EmbeddedKafkaExtension.uniqueName("orders");
 *         ... bootstrap.servers = EmbeddedKafkaExtension.bootstrapServers() ...
 *     }
 * }
 * }</pre>
 *
 * <p>The broker is registered in the root {@link ExtensionContext.Store} ({@code GLOBAL} namespace) as an
 * {@link AutoCloseable}, so JUnit shuts it down (and deletes its temp dir) when the test run of the JVM ends. If the
 * static accessors are used without the extension having run, a JVM shutdown hook closes it instead.
 *
 * <p>Because the broker is shared, tests must not depend on a clean cluster: use {@link #uniqueName(String)} for
 * topics, group ids, transactional ids and Streams application ids. Topics are not auto-created; create them with
 * {@code Admin}. The first {@code initTransactions()} / first consumer group on the broker also creates
 * {@code __transaction_state} / {@code __consumer_offsets} (one partition each), which takes a few hundred ms once.
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback {

    private static final String STORE_KEY = EmbeddedKafkaExtension.class.getName() + ".broker";
    private static final Object LOCK = new Object();

    /** Guarded by {@link #LOCK}; null until first use and again after the shared broker was closed. */
    private static SharedBroker shared;

    @Override
    public void beforeAll(ExtensionContext context) {
        SharedBroker broker = shared();
        // The root store closes AutoCloseable values when the whole test run (of this JVM) is finished.
        context.getRoot()
                .getStore(ExtensionContext.Namespace.GLOBAL)
                .computeIfAbsent(STORE_KEY, key -> broker, SharedBroker.class);
    }

    /** The shared broker, started on first call. */
    public static EmbeddedKafkaBroker broker() {
        return shared().broker;
    }

    /** {@code bootstrap.servers} of the shared broker, started on first call. */
    public static String bootstrapServers() {
        return broker().bootstrapServers();
    }

    /** {@code prefix + "-" + 8 random hex chars}, e.g. {@code orders-3f9a01c2}: a topic/group/app id of your own. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static SharedBroker shared() {
        synchronized (LOCK) {
            if (shared == null) {
                shared = SharedBroker.start();
            }
            return shared;
        }
    }

    /** The broker plus its temp dir; closing stops the broker and deletes the dir. */
    private static final class SharedBroker implements AutoCloseable {
        private final EmbeddedKafkaBroker broker;
        private final Path dir;

        private SharedBroker(EmbeddedKafkaBroker broker, Path dir) {
            this.broker = broker;
            this.dir = dir;
        }

        static SharedBroker start() {
            Path dir;
            try {
                dir = Files.createTempDirectory("fabric-embedded-kafka-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            SharedBroker started = new SharedBroker(EmbeddedKafkaBroker.start(dir, 0), dir);
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "embedded-kafka-shutdown"));
            return started;
        }

        @Override
        public void close() {
            synchronized (LOCK) {
                if (shared == this) {
                    shared = null;
                }
            }
            broker.close(); // idempotent
            deleteRecursively(dir);
        }

        private static void deleteRecursively(Path dir) {
            if (!Files.exists(dir)) {
                return;
            }
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException e) {
                // best effort: it is a temp dir
            }
        }
    }
}
