package io.fabric.plugins.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric.contracts.FlowStep;
import io.fabric.plugins.flows.FlowJson;
import io.fabric.plugins.flows.StepStatus;
import io.fabric.plugins.spi.LongRunningJobs;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A long-running job as its STARTED step keeps it in the flow's checkpoint (the step's result, under
 * {@value #KEY}): the vendor's job id, when it started, when to poll it next and its deadline, and
 * the task that started it (its Avro bytes and where it was consumed), so a runtime that restarts or
 * takes the partition over can poll, finish, dead-letter or cancel it from the checkpoint alone.
 *
 * @param task the RoutedTask's Avro bytes, Base64: what finishing writes its status and dead letter from
 * @param topic where the task was consumed, for the dead letter's origin
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record RunningJob(@JsonProperty("job_id") String jobId, @JsonProperty("task_type") String taskType,
                  @JsonProperty("started_at") long startedAt, @JsonProperty("poll_at") long pollAt,
                  @JsonProperty("deadline_at") long deadlineAt, @JsonProperty("details") Map<String, Object> details,
                  @JsonProperty("task") String task, @JsonProperty("topic") String topic, @JsonProperty("partition") int partition,
                  @JsonProperty("offset") long offset, @JsonProperty("traceparent") String traceparent) {
  /** The key of the job in a STARTED step's result. */
  static final String KEY = "fabric_job";

  RunningJob {
    details = details == null ? Map.of() : details;
  }

  /** The job of a STARTED step, empty for any other step. */
  static Optional<RunningJob> of(FlowStep step) {
    if (StepStatus.valueOf(step.getStatus()) != StepStatus.STARTED) {
      return Optional.empty();
    }
    Object job = FlowJson.parseObject(step.getResult()).get(KEY);
    if (!(job instanceof Map<?, ?>)) {
      throw new IllegalStateException("STARTED step " + step.getRequestId() + " has no " + KEY + " in its result");
    }
    return Optional.of(FlowJson.mapper().convertValue(job, RunningJob.class));
  }

  /** What the STARTED step keeps as its result. */
  Map<String, Object> asResult() {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put(KEY, FlowJson.mapper().convertValue(this, Map.class));
    return result;
  }

  /** The job as its plugin sees it. */
  LongRunningJobs.Job asJob() {
    return new LongRunningJobs.Job(jobId, taskType, Instant.ofEpochMilli(startedAt), details);
  }

  byte[] taskBytes() {
    return Base64.getDecoder().decode(task);
  }

  static String encode(byte[] taskBytes) {
    return Base64.getEncoder().encodeToString(taskBytes);
  }

  /** The job after a poll that moved it on: its new details, polled next at {@code at}. */
  RunningJob progressed(Map<String, Object> newDetails, long at) {
    return new RunningJob(jobId, taskType, startedAt, at, deadlineAt, newDetails, task, topic, partition, offset, traceparent);
  }

  RunningJob pollingAt(long at) {
    return new RunningJob(jobId, taskType, startedAt, at, deadlineAt, details, task, topic, partition, offset, traceparent);
  }
}
