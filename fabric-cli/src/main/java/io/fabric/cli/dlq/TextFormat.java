package io.fabric.cli.dlq;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Small helpers for human output: aligned tables and bytes shown as text when they are text. */
final class TextFormat {
  static final String NONE = "-";

  private TextFormat() {}

  static String orNone(String value) {
    return value == null || value.isEmpty() ? NONE : value;
  }

  /** An instant to the second, e.g. 2026-11-25T10:00:00Z; tables need no millis. */
  static String seconds(Instant at) {
    return at.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /** Left-aligned columns separated by two spaces; the last column is not padded. */
  static List<String> table(List<String> headers, List<List<String>> rows) {
    int[] widths = new int[headers.size()];
    for (int i = 0; i < headers.size(); i++) {
      widths[i] = headers.get(i).length();
    }
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    List<String> lines = new ArrayList<>(rows.size() + 1);
    lines.add(line(headers, widths));
    rows.forEach(row -> lines.add(line(row, widths)));
    return lines;
  }

  private static String line(List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        line.append("  ");
      }
      line.append(cells.get(i));
      if (i < cells.size() - 1) {
        line.append(" ".repeat(widths[i] - cells.get(i).length()));
      }
    }
    return line.toString().stripTrailing();
  }

  /** UTF-8 text when the bytes are printable UTF-8, otherwise {@code base64:...}; null shows as {@code (null)}. */
  static String bytes(byte[] value) {
    if (value == null) {
      return "(null)";
    }
    String text = utf8(value);
    return text != null ? text : "base64:" + Base64.getEncoder().encodeToString(value);
  }

  /** The bytes as text if they are valid UTF-8 without control characters (tabs and newlines allowed). */
  static String utf8(byte[] value) {
    try {
      String text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(value)).toString();
      boolean printable = text.codePoints().allMatch(c -> c == '\t' || c == '\n' || c == '\r' || !Character.isISOControl(c));
      return printable ? text : null;
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
