package io.fabric.plugins.vendors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.plugins.spi.TaskException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLHandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP plumbing every vendor plugin shares, so that error handling is decided once: timeouts
 * from {@link VendorConfig}; HTTP 429, 5xx and failures to connect are retryable; other 4xx (and
 * unexpected 3xx) are permanent and keep the vendor's own error message; a response lost after the
 * request went out is retryable only when the call is idempotent at the vendor, otherwise permanent
 * with "outcome unknown" so a person checks instead of the runtime sending twice. Messages name the
 * method and path (never the query, headers or body) and have every configured secret redacted.
 */
final class VendorHttp {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String USER_AGENT = "execution-fabric-plugins/0.1";
  private static final Logger log = LoggerFactory.getLogger(VendorHttp.class);
  private static final int MAX_MESSAGE_CHARS = 500;

  private final String plugin;
  private HttpClient client;
  private Duration clientConnectTimeout;

  VendorHttp(String plugin) {
    this.plugin = plugin;
  }

  /** A request to {@code url} with this configuration's timeouts and redaction. */
  Request request(VendorConfig config, String method, String url) {
    return new Request(config, method, url);
  }

  /** {@code base} (trailing slashes dropped) followed by {@code segments}, each percent-encoded as one path segment. */
  static String url(String base, String... segments) {
    StringBuilder url = new StringBuilder(base.replaceAll("/+$", ""));
    for (String segment : segments) {
      url.append('/').append(pathSegment(segment));
    }
    return url.toString();
  }

  static String pathSegment(String segment) {
    StringBuilder encoded = new StringBuilder();
    for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
        encoded.append(c);
      } else {
        encoded.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
      }
    }
    return encoded.toString();
  }

  static String basicAuth(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private synchronized HttpClient client(Duration connectTimeout) {
    if (client == null || !connectTimeout.equals(clientConnectTimeout)) {
      client = HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER).build();
      clientConnectTimeout = connectTimeout;
    }
    return client;
  }

  /** {@code application/x-www-form-urlencoded} parameters in order, as Stripe and Twilio take them. */
  static final class Form {
    private final Map<String, String> params = new LinkedHashMap<>();

    /** Adds {@code key=value}; a null value is skipped, an empty one kept (Stripe unsets a field with it). */
    Form add(String key, Object value) {
      if (value != null) {
        params.put(key, String.valueOf(value));
      }
      return this;
    }

    Map<String, String> params() {
      return Map.copyOf(params);
    }

    String encode() {
      StringBuilder body = new StringBuilder();
      params.forEach((key, value) -> {
        if (!body.isEmpty()) {
          body.append('&');
        }
        body.append(URLEncoder.encode(key, StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
      });
      return body.toString();
    }
  }

  /** A vendor's answer with a 2xx status (or one the request {@linkplain Request#answerOn answers on}). */
  record Response(int status, String body, HttpHeaders headers) {
    /**
     * The body as JSON; an empty or non-JSON body is an empty object, so a field the plugin needs is
     * then missing and {@link #requireText} reports it.
     */
    JsonNode json() {
      if (body == null || body.isBlank()) {
        return JsonNodeFactory.instance.objectNode();
      }
      try {
        return JSON.readTree(body);
      } catch (JsonProcessingException e) {
        return JsonNodeFactory.instance.objectNode();
      }
    }

    Optional<String> header(String name) {
      return headers.firstValue(name);
    }

    /** The text at {@code path} of the JSON body (an array index is a number), if any. */
    Optional<String> text(String... path) {
      JsonNode node = json();
      for (String step : path) {
        node = node.isArray() && step.chars().allMatch(Character::isDigit) ? node.path(Integer.parseInt(step)) : node.path(step);
      }
      return node.isValueNode() && !node.isNull() && !node.asText().isBlank() ? Optional.of(node.asText()) : Optional.empty();
    }

    /**
     * Like {@link #text} but required: a 2xx answer without it means the vendor did something we
     * cannot record, which a person must look at.
     */
    String requireText(String plugin, String what, String... path) throws PermanentTaskException {
      return text(path).orElseThrow(() -> new PermanentTaskException(plugin + ": the vendor answered HTTP " + status
          + " without " + what + " (" + String.join(".", path) + "); check on the vendor's side whether it took effect"));
    }
  }

  /** One call: build it, then {@link #send()}. */
  final class Request {
    private final VendorConfig config;
    private final String method;
    private final String url;
    private final Map<String, String> headers = new LinkedHashMap<>();
    private final Set<Integer> retryableStatuses = new HashSet<>();
    private final Set<Integer> answeredStatuses = new HashSet<>();
    private String body;
    private boolean idempotent;
    private String label;

    private Request(VendorConfig config, String method, String url) {
      this.config = config;
      this.method = method;
      this.url = url;
      headers.put("Accept", "application/json");
      headers.put("User-Agent", USER_AGENT + " (" + plugin + ")");
    }

    Request header(String name, String value) {
      headers.put(name, value);
      return this;
    }

    Request bearer(String token) {
      return header("Authorization", "Bearer " + token);
    }

    Request basic(String user, String password) {
      return header("Authorization", basicAuth(user, password));
    }

    Request idempotencyKey(String key) {
      return header("Idempotency-Key", key);
    }

    Request json(Object value) throws PermanentTaskException {
      try {
        return body("application/json", JSON.writeValueAsString(value));
      } catch (JsonProcessingException e) {
        throw new PermanentTaskException(plugin + ": the request body cannot be written as JSON: " + e.getOriginalMessage());
      }
    }

    Request form(Form form) {
      return body("application/x-www-form-urlencoded", form.encode());
    }

    Request body(String contentType, String text) {
      headers.put("Content-Type", contentType);
      this.body = text;
      return this;
    }

    /**
     * Whether repeating this call cannot cause a second effect (the vendor deduplicates it, or it is a
     * read or an upsert): only then is a response lost after sending retried.
     */
    Request idempotent(boolean idempotent) {
      this.idempotent = idempotent;
      return this;
    }

    /** Names the call in messages instead of method and path (for URLs whose path is itself a credential). */
    Request label(String label) {
      this.label = label;
      return this;
    }

    /** Treats {@code status} as retryable too (Stripe's 409: the same idempotency key is in flight). */
    Request retryOn(int status) {
      retryableStatuses.add(status);
      return this;
    }

    /**
     * Answers {@code status} as a {@link Response} instead of failing: for an undo whose target is
     * already gone (WordPress's 410 for a post already in the trash, LinkedIn's 404 for a deleted
     * post), which the plugin then counts as done.
     */
    Request answerOn(int status) {
      answeredStatuses.add(status);
      return this;
    }

    Response send() throws TaskException {
      URI uri;
      try {
        uri = URI.create(url);
      } catch (IllegalArgumentException e) {
        throw new PermanentTaskException(plugin + ": invalid URL for " + method + " (check " + VendorConfig.envName(plugin, VendorConfig.BASE_URL) + ")");
      }
      if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
        throw new PermanentTaskException(plugin + ": " + method + " needs an absolute http(s) URL, got '" + config.redact(uri.getScheme() + "://" + uri.getHost()) + "'");
      }
      String what = plugin + ": " + (label != null ? label
          : method + " " + (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath()));
      Duration requestTimeout = config.millis(VendorConfig.REQUEST_TIMEOUT_MS);
      HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(requestTimeout)
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
      if ("http".equals(uri.getScheme())) {
        builder.version(HttpClient.Version.HTTP_1_1);
      }
      headers.forEach(builder::header);
      HttpResponse<String> response;
      try {
        response = client(config.millis(VendorConfig.CONNECT_TIMEOUT_MS)).send(builder.build(), HttpResponse.BodyHandlers.ofString());
      } catch (HttpConnectTimeoutException e) {
        throw new RetryableTaskException(what + " could not connect within " + config.get(VendorConfig.CONNECT_TIMEOUT_MS, "?") + " ms");
      } catch (HttpTimeoutException e) {
        throw lostResponse(what, "no response within " + requestTimeout.toMillis() + " ms");
      } catch (IOException e) {
        if (notSent(e)) {
          throw new RetryableTaskException(what + " could not connect: " + describe(e));
        }
        throw lostResponse(what, describe(e));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw lostResponse(what, "interrupted while waiting for the response");
      }
      int status = response.statusCode();
      log.debug("{} -> HTTP {}", what, status);
      if (status >= 200 && status < 300 || answeredStatuses.contains(status)) {
        return new Response(status, response.body(), response.headers());
      }
      String detail = what + " returned HTTP " + status + ": " + bounded(config.redact(vendorMessage(response.body())));
      if (status == 429 || status >= 500 || retryableStatuses.contains(status)) {
        Optional<String> retryAfter = response.headers().firstValue("Retry-After");
        throw new RetryableTaskException(detail + retryAfter.map(s -> " (Retry-After: " + bounded(s) + ")").orElse(""));
      }
      throw new PermanentTaskException(detail);
    }

    private TaskException lostResponse(String what, String why) {
      if (idempotent) {
        return new RetryableTaskException(what + ": " + why);
      }
      return new PermanentTaskException(what + ": " + why + " after the request was sent, so its outcome is unknown; "
          + plugin + " cannot deduplicate a repeat, so it is not retried: check whether it took effect before replaying");
    }

    private String describe(Throwable e) {
      return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + bounded(config.redact(e.getMessage())));
    }
  }

  /** Whether {@code e} proves the request never reached the vendor (refused, unresolved, TLS handshake failed). */
  private static boolean notSent(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConnectException || t instanceof UnresolvedAddressException || t instanceof SSLHandshakeException
          || t instanceof UnknownHostException) {
        return true;
      }
    }
    return false;
  }

  /**
   * The vendor's own error text from the shapes the vendors use: Graph and Stripe
   * {@code {"error":{"code","message"}}}, Salesforce {@code [{"errorCode","message"}]}, Twilio
   * {@code {"code","message"}}, DocuSign {@code {"errorCode","message"}}, OAuth
   * {@code {"error","error_description"}}; else the start of the body.
   */
  static String vendorMessage(String body) {
    if (body == null || body.isBlank()) {
      return "(no body)";
    }
    JsonNode json;
    try {
      json = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      return body.strip();
    }
    JsonNode error = json;
    if (error.isArray() && !error.isEmpty()) {
      error = error.get(0);
    }
    if (error.path("error").isObject()) {
      error = error.get("error");
    }
    String message = firstText(error, "message", "error_description", "error_message", "detail");
    if (message == null && error.path("error").isTextual()) {
      message = error.get("error").asText();
    }
    if (message == null) {
      return body.strip();
    }
    String code = firstText(error, "code", "errorCode", "error_code", "type");
    if (code == null && error.path("error").isTextual() && !error.get("error").asText().equals(message)) {
      code = error.get("error").asText();
    }
    return code == null ? message : code + ": " + message;
  }

  private static String firstText(JsonNode node, String... fields) {
    for (String field : fields) {
      JsonNode value = node.path(field);
      if (value.isValueNode() && !value.asText().isBlank()) {
        return value.asText();
      }
    }
    return null;
  }

  /** Cuts a message to a bound; redact before cutting, or a secret cut in two is no longer found whole. */
  static String bounded(String text) {
    return text.length() <= MAX_MESSAGE_CHARS ? text : text.substring(0, MAX_MESSAGE_CHARS) + "...";
  }
}
