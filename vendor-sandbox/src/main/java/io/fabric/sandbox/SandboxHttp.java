package io.fabric.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;

/** The request and reply shapes of {@link VendorSandbox}'s simulated vendors, kept free of the HTTP server. */
final class SandboxHttp {
  static final ObjectMapper JSON = new ObjectMapper();

  private SandboxHttp() {}

  /** The {@code Authorization} value of HTTP Basic authentication, as Twilio-style APIs expect it. */
  static String basicAuth(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** One request as a simulator sees it; header names are lower-case. */
  record Request(String method, String path, String query, Map<String, String> headers, String body) {
    Optional<String> header(String name) {
      return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }

    /** Whether the {@code Authorization} header is exactly {@code expected} (e.g. {@code "Bearer " + token}); absent is not. */
    boolean authorizedBy(String expected) {
      return header("Authorization").map(expected::equals).orElse(false);
    }

    Map<String, String> form() {
      return SandboxHttp.form(body);
    }

    Map<String, String> queryParams() {
      return SandboxHttp.form(query);
    }

    /** The body as a JSON object, or empty when it is not one. */
    Optional<ObjectNode> jsonObject() {
      try {
        JsonNode node = SandboxHttp.JSON.readTree(body == null ? "" : body);
        return node instanceof ObjectNode object ? Optional.of(object) : Optional.empty();
      } catch (JsonProcessingException e) {
        return Optional.empty();
      }
    }
  }

  /** What a simulator answers. */
  record Reply(int status, String contentType, String body, Map<String, String> headers) {
    static Reply json(int status, Object body) {
      try {
        return new Reply(status, "application/json", SandboxHttp.JSON.writeValueAsString(body), Map.of());
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("sandbox reply is not JSON-writable", e);
      }
    }

    static Reply empty(int status) {
      return new Reply(status, "application/json", "", Map.of());
    }

    Reply withHeader(String name, String value) {
      Map<String, String> headers = new LinkedHashMap<>(this.headers);
      headers.put(name, value);
      return new Reply(status, contentType, body, Map.copyOf(headers));
    }
  }

  /** A simulated endpoint. */
  @FunctionalInterface
  interface Handler {
    Reply handle(Request request, Matcher path);
  }

  static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  /** Decodes {@code a=1&b=2} (form bodies, query strings), keeping order; a repeated key keeps its last value. */
  static Map<String, String> form(String encoded) {
    Map<String, String> params = new LinkedHashMap<>();
    if (encoded == null || encoded.isBlank()) {
      return params;
    }
    for (String pair : encoded.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return params;
  }
}
