package io.fabric.cli.dlq;

import io.fabric.cli.FabricMain;
import java.util.stream.Stream;

/** {@code fabric dlq ARGS} in a JVM of its own, so a test can kill -9 a replay half-way. */
public final class ReplayProcess {
  private ReplayProcess() {}

  public static void main(String[] args) {
    System.exit(FabricMain.commandLine().execute(Stream.concat(Stream.of("dlq"), Stream.of(args)).toArray(String[]::new)));
  }
}
