package io.fabric.dlq.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric.schemas.config.KafkaConnection;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.kafka.common.errors.TimeoutException;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every dlq command shares: connection options, help, output through picocli's streams, and
 * the one place where a failure becomes a one-line message and exit code 1 (bad usage stays a
 * {@link ParameterException}, exit 2), so the commands behave the same standalone or mounted.
 */
abstract class DlqSubcommand implements Callable<Integer> {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec
  CommandSpec spec;

  @Mixin
  ConnectionOptions connectionOptions;

  @Mixin
  HelpOption helpOption;

  @Mixin
  ReadScopeOptions readScope;

  @Override
  public final Integer call() {
    try {
      return run();
    } catch (ParameterException e) {
      throw e;
    } catch (TimeoutException e) {
      err().println("Error: no answer from Kafka at " + connectionOptions.bootstrapServer + " in time: " + e.getMessage());
      return ExitCode.SOFTWARE;
    } catch (RuntimeException e) {
      err().println("Error: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
      return ExitCode.SOFTWARE;
    }
  }

  /** The command's work; returns the exit code. */
  protected abstract int run();

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  KafkaConnection connection() {
    try {
      return connectionOptions.connection();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  void printJson(JsonNode node) {
    try {
      out().println(JSON.writeValueAsString(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON output", e);
    }
    out().flush();
  }
}
