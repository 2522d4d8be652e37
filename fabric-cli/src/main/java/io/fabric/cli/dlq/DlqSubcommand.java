package io.fabric.cli.dlq;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric.cli.ConnectionOptions;
import io.fabric.cli.OutputOptions;
import io.fabric.cli.ReadScopeOptions;
import io.fabric.schemas.config.KafkaConnection;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every dlq command shares: the fabric's connection, output and help mixins, and output through
 * picocli's streams. A failure propagates to {@code fabric}'s one exception handler (one line, exit 1).
 */
abstract class DlqSubcommand implements Callable<Integer> {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec
  CommandSpec spec;

  @Mixin
  ConnectionOptions connectionOptions;

  @Mixin
  OutputOptions output;

  @Mixin
  ReadScopeOptions readScope;

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
