package io.fabric.cli.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the benchmark says about the process and the machine: heap (used, peak, max), resident set
 * size ({@code VmRSS} and its peak {@code VmHWM} from {@code /proc/self/status}), and the CPU,
 * memory, JVM and load the numbers were measured with.
 */
final class ProcessStats implements AutoCloseable {
  /** Memory of this process: the broker (when embedded), every app and the benchmark itself. */
  record Memory(long heapUsedBytes, long heapPeakBytes, long heapMaxBytes, long rssBytes, long rssPeakBytes) {}

  /** The machine and JVM, as far as the process can see them. */
  record Machine(String cpuModel, int cores, long memoryBytes, String os, String java, List<String> jvmArguments,
                 String loadAverageAtStart) {}

  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final AtomicLong heapPeak = new AtomicLong();
  private final AtomicLong rssPeak = new AtomicLong();
  private final Thread sampler;
  private volatile boolean closing;

  private ProcessStats() {
    sampler = new Thread(() -> {
      while (!closing) {
        sample();
        java.util.concurrent.locks.LockSupport.parkNanos(250_000_000L);
      }
    }, "bench-memory-sampler");
    sampler.setDaemon(true);
  }

  /** Starts sampling heap and RSS four times a second, keeping the peaks. */
  static ProcessStats start() {
    ProcessStats stats = new ProcessStats();
    stats.sampler.start();
    return stats;
  }

  private void sample() {
    heapPeak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
    rssPeak.accumulateAndGet(statusKilobytes("VmRSS") * 1024, Math::max);
  }

  Memory memory() {
    sample();
    long hwm = statusKilobytes("VmHWM") * 1024;
    return new Memory(memory.getHeapMemoryUsage().getUsed(), heapPeak.get(), Runtime.getRuntime().maxMemory(),
        statusKilobytes("VmRSS") * 1024, Math.max(hwm, rssPeak.get()));
  }

  static Machine machine() {
    String cpu = "unknown";
    long memTotal = -1;
    try {
      cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse(cpu);
      memTotal = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
          .mapToLong(ProcessStats::kilobytes).findFirst().orElse(-1) * 1024;
    } catch (IOException | RuntimeException e) {
      // not Linux: leave unknown
    }
    return new Machine(cpu, Runtime.getRuntime().availableProcessors(), memTotal,
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
        ManagementFactory.getRuntimeMXBean().getInputArguments(), loadAverage());
  }

  /** The 1, 5 and 15 minute load averages: other work on the machine shows here, and it skews every number. */
  static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+");
      return String.join(" ", parts[0], parts[1], parts[2]);
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static long statusKilobytes(String field) {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith(field + ":"))
          .mapToLong(ProcessStats::kilobytes).findFirst().orElse(0);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static long kilobytes(String line) {
    String value = line.substring(line.indexOf(':') + 1).strip().toLowerCase(Locale.ROOT).replace("kb", "").strip();
    return Long.parseLong(value);
  }

  @Override
  public void close() {
    closing = true;
    sampler.interrupt();
  }
}
