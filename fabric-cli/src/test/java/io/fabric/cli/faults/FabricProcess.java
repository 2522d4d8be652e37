package io.fabric.cli.faults;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code java -jar fabric.jar run ...} child process of the fault suite, its stdout and stderr
 * in {@code <name>-<generation>.log}: started, waited for, killed with SIGKILL, restarted with the
 * same arguments (and so the same data dir).
 */
final class FabricProcess {
  /** The line {@code fabric run} prints once its apps started. */
  static final String RUNNING = "fabric running";
  private static final Pattern FAULT_LINE = Pattern.compile("FAULT INJECTION \\(.*?\\): halting the JVM .*? request=(\\S+)");

  private final String name;
  private final Path logDir;
  private final List<String> jvmArgs;
  private final List<String> fabricArgs;
  private Process process;
  private Path log;
  private int generation;

  FabricProcess(String name, Path logDir, List<String> jvmArgs, List<String> fabricArgs) {
    this.name = name;
    this.logDir = logDir;
    this.jvmArgs = List.copyOf(jvmArgs);
    this.fabricArgs = List.copyOf(fabricArgs);
  }

  String name() {
    return name;
  }

  /** Starts a new generation with the base JVM arguments plus {@code extraSystemProperties}. */
  FabricProcess start(Map<String, String> extraSystemProperties) {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is still running");
    }
    generation++;
    log = logDir.resolve(name + "-" + generation + ".log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmArgs);
    extraSystemProperties.forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.add("-jar");
    command.add(fabricJar().toString());
    command.addAll(fabricArgs);
    try {
      Files.createDirectories(logDir);
      Files.writeString(log, "$ " + String.join(" ", command) + "\n", StandardCharsets.UTF_8);
      process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
    return this;
  }

  FabricProcess start() {
    return start(Map.of());
  }

  /** Waits until the child printed that its apps run; fails early, with its log, if it died. */
  FabricProcess awaitRunning(Duration timeout) {
    await(name + " running").atMost(timeout).pollInterval(Duration.ofMillis(250))
        .failFast(name + " exited before it ran; see " + log, () -> !process.isAlive())
        .until(() -> logText().contains(RUNNING));
    return this;
  }

  /** SIGKILL ({@link Process#destroyForcibly()} on Linux): no shutdown hook, no flush, no transaction abort. */
  void kill() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
    awaitExit(Duration.ofSeconds(30));
  }

  /** Waits for the child to exit by itself (a fault-injection halt) and returns its exit status. */
  int awaitExit(Duration timeout) {
    await(name + " exit").atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> !process.isAlive());
    try {
      return process.waitFor(1, TimeUnit.SECONDS) ? process.exitValue() : -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** The request id named by the fault-injection halt line of this generation's log, if it halted. */
  Optional<String> haltedRequest() {
    Matcher matcher = FAULT_LINE.matcher(logText());
    return matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
  }

  Path log() {
    return log;
  }

  String logText() {
    try {
      return log == null || !Files.exists(log) ? "" : Files.readString(log, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      return "";
    }
  }

  /** Kills the child if it still runs; for @AfterAll and the JVM shutdown hook. */
  void destroy() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static Path fabricJar() {
    Path jar = Path.of(System.getProperty("fabric.jar", "target/fabric.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: the fault suite runs in `mvn verify`, after `package` built it");
    }
    return jar;
  }

  @Override
  public String toString() {
    return name + "#" + generation + (process == null ? "" : " pid " + process.pid());
  }
}
