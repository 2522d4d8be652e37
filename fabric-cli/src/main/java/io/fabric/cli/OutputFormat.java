package io.fabric.cli;

/** {@code -o text} for people, {@code -o json} for scripts. */
public enum OutputFormat { text, json }
