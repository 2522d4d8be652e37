package io.fabric.cli;

import picocli.CommandLine.Option;

/** {@code -o text} for people (the default), {@code -o json} for scripts: one option, the same on every command. */
public final class OutputOptions {
  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  OutputFormat format = OutputFormat.text;

  public boolean json() {
    return format == OutputFormat.json;
  }
}
