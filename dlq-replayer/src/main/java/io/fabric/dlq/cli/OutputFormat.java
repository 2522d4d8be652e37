package io.fabric.dlq.cli;

/** {@code -o text} for people (the default), {@code -o json} for scripts. */
public enum OutputFormat {
  text, json
}
