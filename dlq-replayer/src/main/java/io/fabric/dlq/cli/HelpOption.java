package io.fabric.dlq.cli;

import picocli.CommandLine.Option;

/** {@code -h/--help} on every dlq command. */
public final class HelpOption {
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;
}
