package io.fabric.cli.dlq;

import io.fabric.dlq.ReplayListener;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar with count, rate and ETA, redrawn in place with {@code \r}. Only used
 * when stderr is a terminal, so logs and pipes never see it.
 */
final class ProgressBar implements ReplayListener {
  private static final int WIDTH = 30;
  private static final long REDRAW_NANOS = 100_000_000L;

  private final PrintWriter err;
  private final LongSupplier nanoTime;
  private int total;
  private int done;
  private long startedAt;
  private long drawnAt;
  private boolean drawn;

  ProgressBar(PrintWriter err, LongSupplier nanoTime) {
    this.err = err;
    this.nanoTime = nanoTime;
  }

  @Override
  public void started(int toReplay) {
    total = toReplay;
    startedAt = nanoTime.getAsLong();
    draw(true);
  }

  @Override
  public void committed(int count) {
    done += count;
    draw(done == total);
  }

  @Override
  public void finished() {
    if (drawn) {
      draw(true);
      err.println();
      err.flush();
    }
  }

  private void draw(boolean force) {
    long now = nanoTime.getAsLong();
    if (!force && drawn && now - drawnAt < REDRAW_NANOS) {
      return;
    }
    drawnAt = now;
    drawn = true;
    err.print("\r" + render(done, total, (now - startedAt) / 1e9));
    err.flush();
  }

  /** e.g. {@code replaying [#########.....................]   30/100   12.0/s  ETA 0:06}. */
  static String render(int done, int total, double elapsedSeconds) {
    int filled = total == 0 ? WIDTH : (int) ((long) WIDTH * done / total);
    double rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
    String eta = rate > 0 ? clock((long) Math.ceil((total - done) / rate)) : "--:--";
    int digits = Integer.toString(total).length();
    return String.format(Locale.ROOT, "replaying [%s%s] %" + digits + "d/%d  %6.1f/s  ETA %s",
        "#".repeat(filled), ".".repeat(WIDTH - filled), done, total, rate, eta);
  }

  private static String clock(long seconds) {
    return seconds >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
        : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
  }
}
