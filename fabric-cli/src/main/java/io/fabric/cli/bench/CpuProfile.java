package io.fabric.cli.bench;

import com.sun.management.OperatingSystemMXBean;
import io.fabric.schemas.topics.TopicCatalog;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * CPU time this process spent during a phase, per request and split by who spent it (the policy
 * app, the router, the plugin runtime, the broker, ...), from per-thread CPU times. On a shared
 * machine wall-clock throughput swings with the neighbours' load; CPU per request barely does, so
 * it is the number to compare when tuning.
 */
final class CpuProfile {
  /** The groups threads are put in, by name; the order is the order of the report. */
  static final String[] GROUPS = {"policy-stream", "router-stream", "plugin-runtime", "baseline-streams", "baseline-relay", "broker",
      "bench-client", "jvm (gc, jit)", "other"};
  private static final int JVM = 7;

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final long processCpuNanos;
  private final Map<Long, long[]> threadCpu;
  private final long compilationMillis;
  private final long gcMillis;
  /** CPU of the JVM's own threads (not visible to ThreadMXBean), from /proc, by thread id: JIT compilers and GC; null where /proc cannot tell. */
  private final JvmThreads jvmThreads;

  /**
   * The JIT compiler and GC threads' CPU (nanoseconds) by Linux thread id. Kept per thread, not summed: the JVM
   * starts and stops compiler threads as the compile queue grows and shrinks, and a sum taken before a thread
   * ended would make the phase's JIT CPU negative (a bench smoke test once read -0.45 ms per request).
   */
  record JvmThreads(Map<Long, Long> jit, Map<Long, Long> gc) {}

  private CpuProfile(long processCpuNanos, Map<Long, long[]> threadCpu, long compilationMillis, long gcMillis, JvmThreads jvmThreads) {
    this.processCpuNanos = processCpuNanos;
    this.threadCpu = threadCpu;
    this.compilationMillis = compilationMillis;
    this.gcMillis = gcMillis;
    this.jvmThreads = jvmThreads;
  }

  /** A snapshot of the process's and every live thread's CPU time. */
  static CpuProfile snapshot() {
    Map<Long, long[]> threads = new HashMap<>();
    long[] ids = THREADS.getAllThreadIds();
    ThreadInfo[] infos = THREADS.getThreadInfo(ids);
    for (int i = 0; i < ids.length; i++) {
      long cpu = THREADS.isThreadCpuTimeSupported() ? THREADS.getThreadCpuTime(ids[i]) : -1;
      if (cpu >= 0 && infos[i] != null) {
        threads.put(ids[i], new long[] {cpu, group(infos[i].getThreadName())});
      }
    }
    java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    long compilation = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    long gc = ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(b -> Math.max(0, b.getCollectionTime())).sum();
    return new CpuProfile(processCpu(), threads, compilation, gc, jvmThreadsCpu());
  }

  /** Clock ticks of {@code /proc/<pid>/task/<tid>/stat}'s utime and stime: 100 a second on Linux (USER_HZ). */
  private static final long NANOS_PER_TICK = 10_000_000L;

  /**
   * CPU of the JIT compiler threads ("C1 CompilerThre", "C2 CompilerThre") and of the GC threads
   * ("GC Thread#n", "G1 ..."), read from {@code /proc/self/task}: they are not Java threads, so
   * ThreadMXBean cannot see them, and CompilationMXBean reports elapsed compile time, which on a
   * loaded machine exceeds the CPU the compilers got. Null where there is no /proc.
   */
  static JvmThreads jvmThreadsCpu() {
    java.io.File[] tasks = new java.io.File("/proc/self/task").listFiles();
    if (tasks == null) {
      return null;
    }
    Map<Long, Long> jit = new HashMap<>();
    Map<Long, Long> gc = new HashMap<>();
    for (java.io.File task : tasks) {
      try {
        String stat = java.nio.file.Files.readString(task.toPath().resolve("stat"));
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        String name = stat.substring(open + 1, close);
        boolean compiler = name.contains("CompilerThre");
        boolean collector = name.startsWith("GC Thread") || name.startsWith("G1 ") || name.startsWith("VM Thread");
        if (!compiler && !collector) {
          continue;
        }
        // fields after the name: state is field 3, utime field 14, stime field 15
        String[] fields = stat.substring(close + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        (compiler ? jit : gc).put(Long.parseLong(task.getName()), ticks * NANOS_PER_TICK);
      } catch (IOException | RuntimeException e) {
        // the thread ended meanwhile
      }
    }
    return new JvmThreads(jit, gc);
  }

  /**
   * CPU the threads of {@code later} spent since {@code earlier}: a thread born in between counts from zero,
   * one that ended in between is lost (its CPU since {@code earlier} is not known), so the result is never negative.
   */
  static long spentSince(Map<Long, Long> earlier, Map<Long, Long> later) {
    long spent = 0;
    for (Map.Entry<Long, Long> thread : later.entrySet()) {
      spent += Math.max(0, thread.getValue() - earlier.getOrDefault(thread.getKey(), 0L));
    }
    return spent;
  }

  /**
   * Milliseconds of CPU per request between {@code this} snapshot and {@code later}, by group and in
   * total; threads born in between count from zero, threads that died in between are lost (rare
   * within a phase) and end up in "jvm (gc, jit)" with the rest of the process's CPU.
   */
  Map<String, Double> perRequestSince(CpuProfile earlier, long requests) {
    double[] byGroup = new double[GROUPS.length];
    long threadsTotal = 0;
    for (Map.Entry<Long, long[]> entry : threadCpu.entrySet()) {
      long[] before = earlier.threadCpu.get(entry.getKey());
      long spent = entry.getValue()[0] - (before == null ? 0 : before[0]);
      byGroup[(int) entry.getValue()[1]] += spent;
      threadsTotal += spent;
    }
    long processSpent = processCpuNanos - earlier.processCpuNanos;
    byGroup[JVM] += Math.max(0, processSpent - threadsTotal);
    Map<String, Double> result = new LinkedHashMap<>();
    double divisor = Math.max(1, requests) * 1e6;
    result.put("total", round(processSpent / divisor));
    for (int g = 0; g < GROUPS.length; g++) {
      if (byGroup[g] > 0) {
        result.put(GROUPS[g], round(byGroup[g] / divisor));
      }
    }
    // inside the JVM share: the CPU of the JIT compiler and GC threads (from /proc); without /proc, the
    // compile time the JIT reported and GC pause time (wall clock, a rough guide: under load it exceeds the CPU)
    if (jvmThreads != null && earlier.jvmThreads != null) {
      result.put("of which jit", round(spentSince(earlier.jvmThreads.jit(), jvmThreads.jit()) / divisor));
      result.put("of which gc", round(spentSince(earlier.jvmThreads.gc(), jvmThreads.gc()) / divisor));
    } else {
      result.put("of which jit", round((compilationMillis - earlier.compilationMillis) * 1e6 / divisor));
      result.put("of which gc pauses", round((gcMillis - earlier.gcMillis) * 1e6 / divisor));
    }
    return result;
  }

  static String describe(Map<String, Double> cpu) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%.3f ms", cpu.getOrDefault("total", 0.0)));
    StringBuilder parts = new StringBuilder();
    cpu.forEach((group, ms) -> {
      if (!group.equals("total") && ms >= 0.0005) {
        parts.append(parts.length() == 0 ? "" : ", ").append(group).append(String.format(Locale.ROOT, " %.3f", ms));
      }
    });
    return b.append(" (").append(parts).append(')').toString();
  }

  private static int group(String thread) {
    if (thread.contains(TopicCatalog.POLICY_STAGE)) {
      return 0;
    }
    if (thread.contains(TopicCatalog.ROUTER_STAGE)) {
      return 1;
    }
    if (thread.contains("fabric-plugin")) {
      return 2;
    }
    if (thread.contains("baseline.identity-") || thread.contains("baseline-fresh.identity-")) {
      return 3;
    }
    if (thread.contains("relay")) {
      return 4;
    }
    if (thread.contains("bench")) {
      return 6;
    }
    if (thread.startsWith("data-plane") || thread.startsWith("kafka-") || thread.startsWith("broker-") || thread.startsWith("controller-")
        || thread.startsWith("raft") || thread.startsWith("TxnMarkerSender") || thread.startsWith("transaction") || thread.startsWith("group-coordinator")
        || thread.startsWith("LogDirFailureHandler") || thread.startsWith("ExpirationReaper") || thread.startsWith("metrics-meter")
        || thread.startsWith("quorum") || thread.contains("ReplicaFetcher") || thread.startsWith("executor-") || thread.startsWith("share-")
        || thread.startsWith("log-cleaner") || thread.startsWith("kafka-log-cleaner") || thread.startsWith("scheduler")) {
      return 5;
    }
    return 8;
  }

  static long processCpu() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    return os instanceof OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
  }

  private static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
