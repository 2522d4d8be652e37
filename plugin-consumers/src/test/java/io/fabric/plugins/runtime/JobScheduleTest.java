package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class JobScheduleTest {
  @Test
  void dueJobsAreTakenOutEarliestFirstUpToTheLimitAndTheOthersStay() {
    JobSchedule schedule = new JobSchedule();
    schedule.track("f1", "r1", 0, 300);
    schedule.track("f2", "r2", 1, 100);
    schedule.track("f3", "r3", 2, 200);
    schedule.track("f4", "r4", 0, 900);

    List<JobSchedule.Due> due = schedule.takeDue(500, 2);

    assertEquals(List.of("r2", "r3"), due.stream().map(JobSchedule.Due::requestId).toList());
    assertEquals(List.of("r1"), schedule.takeDue(500, 10).stream().map(JobSchedule.Due::requestId).toList());
    assertEquals(900, schedule.nextAt().getAsLong());
  }

  @Test
  void trackingAJobAgainReplacesItsTimeAndARevokedPartitionsJobsGo() {
    JobSchedule schedule = new JobSchedule();
    schedule.track("f1", "r1", 0, 300);
    schedule.track("f1", "r1", 0, 50);
    schedule.track("f2", "r2", 1, 60);
    schedule.forget(List.of(1));

    assertEquals(1, schedule.size());
    assertEquals(50, schedule.nextAt().getAsLong());
    schedule.forget(List.of(0));
    assertTrue(schedule.nextAt().isEmpty());
  }
}
