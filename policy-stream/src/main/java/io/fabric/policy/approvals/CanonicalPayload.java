package io.fabric.policy.approvals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The canonical JSON text of a request payload and its SHA-256, which an approval token binds to.
 *
 * <p>Approving one payload must never let a different payload run, yet the same arguments may be
 * re-encoded on the way (another key order, other whitespace), so the hash is taken over a
 * canonical form rather than the raw text. The form is owned here, not left to a JSON library's
 * output settings, because the CLI that signs and the gate that verifies may run different
 * versions:
 *
 * <ul>
 *   <li>object members sorted by key (UTF-16 code-unit order, as in RFC 8785), no whitespace;
 *   <li>strings escape only {@code "}, {@code \} and control characters ({@code \b \f \n \r \t},
 *       others as lowercase <code>&#92;u00XX</code>); everything else is raw UTF-8;
 *   <li>numbers by exact decimal value ({@code 1}, {@code 1.0} and {@code 1e0} are the same
 *       number): trailing zeros stripped, plain notation unless the exponent is extreme;
 *   <li>payloads that different parsers could read differently are refused rather than guessed at:
 *       duplicate keys, trailing content after the value, strings with lone surrogates.
 * </ul>
 */
public record CanonicalPayload(String json, String sha256Hex) {
  /** Beyond this many digits of exponent, plain notation would let a tiny input expand hugely. */
  private static final int MAX_PLAIN_SCALE = 30;

  private static final JsonMapper STRICT_JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .build();

  /**
   * Canonicalises and hashes a payload.
   *
   * @throws IllegalArgumentException when the text is not one well-formed JSON value
   */
  public static CanonicalPayload of(String payloadJson) {
    if (payloadJson == null || payloadJson.isBlank()) {
      throw new IllegalArgumentException("payload is empty, not JSON");
    }
    JsonNode tree;
    try {
      tree = STRICT_JSON.readTree(payloadJson);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("payload is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("payload has a number out of range: " + e.getMessage(), e);
    }
    StringBuilder out = new StringBuilder(payloadJson.length());
    write(tree, out);
    String canonical = out.toString();
    return new CanonicalPayload(canonical, sha256Hex(canonical.getBytes(StandardCharsets.UTF_8)));
  }

  /** The hex SHA-256 of the canonical form of {@code payloadJson}; see {@link #of(String)}. */
  public static String sha256Of(String payloadJson) {
    return of(payloadJson).sha256Hex();
  }

  static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  private static void write(JsonNode node, StringBuilder out) {
    switch (node.getNodeType()) {
      case OBJECT -> {
        Map<String, JsonNode> sorted = new TreeMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
          sorted.put(field.getKey(), field.getValue());
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, JsonNode> field : sorted.entrySet()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          writeString(field.getKey(), out);
          out.append(':');
          write(field.getValue(), out);
        }
        out.append('}');
      }
      case ARRAY -> {
        out.append('[');
        for (int i = 0; i < node.size(); i++) {
          if (i > 0) {
            out.append(',');
          }
          write(node.get(i), out);
        }
        out.append(']');
      }
      case STRING -> writeString(node.textValue(), out);
      case NUMBER -> out.append(canonicalNumber(node));
      case BOOLEAN -> out.append(node.booleanValue());
      case NULL -> out.append("null");
      default -> throw new IllegalArgumentException("payload holds a non-JSON value of type " + node.getNodeType());
    }
  }

  private static String canonicalNumber(JsonNode node) {
    BigDecimal value = node.isIntegralNumber() ? new BigDecimal(node.bigIntegerValue()) : node.decimalValue();
    if (value.signum() == 0) {
      return "0";
    }
    value = value.stripTrailingZeros();
    return Math.abs(value.scale()) <= MAX_PLAIN_SCALE ? value.toPlainString() : value.toString();
  }

  private static void writeString(String text, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
            out.append(c).append(text.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            throw new IllegalArgumentException("payload has a string with a lone surrogate (\\u"
                + HexFormat.of().toHexDigits(c) + "), which is not valid Unicode");
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
