package io.fabric.plugins.testing;

import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.LongRunningJobs;
import io.fabric.plugins.spi.TaskContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/** {@code endless_job} starts a job that runs until it is cancelled, polled every few milliseconds. */
public final class EndlessJobPlugin implements FabricPlugin, LongRunningJobs {
  public static final String NAME = "endless";
  public static final String ACTION = "endless_job";

  /** The job ids of every poll and every cancel, in call order. */
  public final List<String> polls = new CopyOnWriteArrayList<>();
  public final List<String> cancels = new CopyOnWriteArrayList<>();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> taskTypes() {
    return Set.of(ACTION);
  }

  @Override
  public boolean compensable(String taskType) {
    return true;
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) {
    throw new IllegalStateException("a job type is started, never executed");
  }

  @Override
  public boolean startsJob(String taskType) {
    return ACTION.equals(taskType);
  }

  @Override
  public JobStarted startJob(String tenantId, Map<String, Object> payload, TaskContext context) {
    return new JobStarted("job-" + context.requestId(), Duration.ZERO, Map.of());
  }

  @Override
  public JobStatus pollJob(String tenantId, Job job, TaskContext context) {
    polls.add(job.id());
    return new JobStatus.Running(Duration.ZERO);
  }

  @Override
  public Map<String, Object> cancelJob(String tenantId, Job job, TaskContext context) {
    cancels.add(job.id());
    return Map.of("cancelled", job.id());
  }
}
