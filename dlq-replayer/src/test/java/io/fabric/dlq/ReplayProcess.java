package io.fabric.dlq;

import io.fabric.dlq.cli.DlqCommand;
import picocli.CommandLine;

/** {@code dlq ARGS} in a JVM of its own, so a test can kill -9 a replay half-way. */
public final class ReplayProcess {
  private ReplayProcess() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new DlqCommand()).execute(args));
  }
}
