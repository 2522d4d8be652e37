package io.fabric.agents.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.agents.model.ModelCallException.Kind;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The one HTTP exchange both wire formats share: POST JSON, classify the failure, never echo the key.
 * The provider is not trusted to be small or quick: its answer is read within the call's timeout (the
 * whole exchange, body included, not only until the headers) and refused past {@link #MAX_RESPONSE_BYTES}
 * instead of being held whole in the runtime's heap.
 */
final class ProviderHttp {
  static final ObjectMapper JSON = new ObjectMapper();
  /** Far above any chat answer (a 200k-token context is ~1 MB); what a runaway or hostile endpoint would exceed. */
  static final int MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
  private static final int MAX_ERROR_CHARS = 300;

  private ProviderHttp() {}

  static JsonNode post(HttpClient http, ProviderConfig config, String path, Map<String, String> headers, JsonNode body)
      throws ModelCallException {
    List<String> secrets = config.apiKey().map(List::of).orElse(List.of());
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(config.baseUrl() + path))
        .timeout(config.timeout())
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
    headers.forEach(request::header);
    HttpResponse<byte[]> response;
    CompletableFuture<HttpResponse<byte[]>> exchange = http.sendAsync(request.build(), info -> new CappedBody(MAX_RESPONSE_BYTES));
    try {
      response = exchange.get(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      exchange.cancel(true);
      throw new ModelCallException(Kind.TIMEOUT, config.name(), "no answer within " + config.timeout());
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof HttpTimeoutException) {
        throw new ModelCallException(Kind.TIMEOUT, config.name(), "no answer within " + config.timeout());
      }
      if (cause instanceof CappedBody.TooLarge) {
        throw badResponse(config, "answer larger than " + MAX_RESPONSE_BYTES + " bytes; not read further");
      }
      throw new ModelCallException(Kind.UNREACHABLE, config.name(), "cannot reach " + config.baseUrl() + ": "
          + Redaction.redact(String.valueOf(cause == null ? e.getMessage() : cause.getMessage()), secrets));
    } catch (InterruptedException e) {
      exchange.cancel(true);
      Thread.currentThread().interrupt();
      throw new ModelCallException(Kind.UNREACHABLE, config.name(), "interrupted");
    }
    int status = response.statusCode();
    String text = new String(response.body(), StandardCharsets.UTF_8);
    if (status / 100 != 2) {
      String reason = "HTTP " + status + ": " + Redaction.redact(errorText(text), secrets);
      Kind kind = status == 429 ? Kind.RATE_LIMITED : status >= 500 ? Kind.SERVER_ERROR
          : status == 408 ? Kind.TIMEOUT : Kind.CLIENT_ERROR;
      throw new ModelCallException(kind, config.name(), reason, retryAfter(response));
    }
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new ModelCallException(Kind.BAD_RESPONSE, config.name(), "answer is not JSON");
    }
  }

  /** The provider's own error message (both formats put it at {@code error.message}), shortened. */
  private static String errorText(String body) {
    String text;
    try {
      JsonNode node = JSON.readTree(body);
      text = node.path("error").path("message").asText(body);
    } catch (IOException | RuntimeException e) {
      text = body;
    }
    text = text == null ? "" : text.strip();
    return text.length() <= MAX_ERROR_CHARS ? text : text.substring(0, MAX_ERROR_CHARS) + "...";
  }

  private static Optional<Duration> retryAfter(HttpResponse<?> response) {
    return response.headers().firstValue("Retry-After").flatMap(value -> {
      try {
        return Optional.of(Duration.ofSeconds(Long.parseLong(value.strip())));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    });
  }

  static ModelCallException badResponse(ProviderConfig config, String why) {
    return new ModelCallException(Kind.BAD_RESPONSE, config.name(), why);
  }
}
