package io.fabric.deploy.manifests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.stream.Stream;

/** Writes rendered manifests to a directory, and tells how a directory differs from a render. */
public final class ManifestFiles {
  /** The command that regenerates the committed manifests, for drift messages. */
  public static final String REGENERATE = "mvn -B -o -pl fabric-cli -am test -Dtest=ManifestDriftTest -DupdateManifests=true "
      + "-Dsurefire.failIfNoSpecifiedTests=false (or: fabric deploy render --out deploy)";

  private ManifestFiles() {}

  /** Writes every file under {@code dir} (creating folders); files the render does not name are left alone. */
  public static void write(Path dir, Map<String, String> files) {
    try {
      for (Map.Entry<String, String> file : files.entrySet()) {
        Path target = dir.resolve(file.getKey());
        Files.createDirectories(target.getParent());
        Files.writeString(target, file.getValue(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write manifests to " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * One line per file under {@code dir} that differs from the render: missing, different, or a stray
   * {@code .yaml} in a folder the render owns. Empty when the directory matches.
   */
  public static List<String> drift(Path dir, SortedMap<String, String> files) {
    List<String> problems = new ArrayList<>();
    try {
      for (Map.Entry<String, String> file : files.entrySet()) {
        Path committed = dir.resolve(file.getKey());
        if (!Files.exists(committed)) {
          problems.add(committed + " is missing");
        } else if (!Files.readString(committed, StandardCharsets.UTF_8).equals(file.getValue())) {
          problems.add(committed + " differs from what the catalog renders" + firstDifference(
              Files.readString(committed, StandardCharsets.UTF_8), file.getValue()));
        }
      }
      for (String folder : files.keySet().stream().map(k -> k.substring(0, k.indexOf('/'))).distinct().toList()) {
        Path owned = dir.resolve(folder);
        if (Files.isDirectory(owned)) {
          try (Stream<Path> present = Files.list(owned)) {
            present.filter(f -> f.toString().endsWith(".yaml"))
                .filter(f -> !files.containsKey(folder + "/" + f.getFileName()))
                .forEach(f -> problems.add(f + " is not rendered any more"));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return problems;
  }

  private static String firstDifference(String committed, String rendered) {
    String[] a = committed.split("\n", -1);
    String[] b = rendered.split("\n", -1);
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      String left = i < a.length ? a[i] : "<end of file>";
      String right = i < b.length ? b[i] : "<end of file>";
      if (!left.equals(right)) {
        return " (line " + (i + 1) + ": committed `" + left.strip() + "`, rendered `" + right.strip() + "`)";
      }
    }
    return "";
  }
}
