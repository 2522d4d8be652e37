package io.fabric.cli.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
  @Test
  void showsCountRateAndEta() {
    assertEquals("replaying [#########.....................]  30/100    10.0/s  ETA 0:07",
        ProgressBar.render(30, 100, 3.0));
    assertEquals("replaying [..............................]   0/100     0.0/s  ETA --:--",
        ProgressBar.render(0, 100, 0));
    assertTrue(ProgressBar.render(1, 100_000, 1.0).endsWith("ETA 27:46:39"));
  }

  @Test
  void redrawsInPlaceAndEndsTheLineWhenFinished() {
    StringWriter err = new StringWriter();
    long[] now = {0};
    ProgressBar bar = new ProgressBar(new PrintWriter(err), () -> now[0]);

    bar.started(4);
    now[0] += 1_000_000_000L;
    bar.committed(2);
    now[0] += 1_000_000_000L;
    bar.committed(2);
    bar.finished();

    String text = err.toString();
    assertTrue(text.startsWith("\rreplaying [......"), text);
    assertTrue(text.contains("\rreplaying [###############...............] 2/4     2.0/s  ETA 0:01"), text);
    assertTrue(text.endsWith("4/4     2.0/s  ETA 0:00" + System.lineSeparator()), text);
  }
}
