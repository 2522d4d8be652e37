package io.fabric.gateway.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The web console's files: a small static app (HTML, CSS, ES modules) that works only through the
 * gateway's public API, with the API key the user types, so it adds no route that reads or decides
 * anything. The files are a fixed list read from the classpath once, so no path a caller sends can
 * name any other resource; everything the pages load comes from here (no CDN).
 *
 * <p>Every answer carries a Content-Security-Policy that allows scripts, styles and requests from this
 * origin only (no inline script, no framing), because the pages hold an API key and, while signing, an
 * approver's private key.
 */
final class ConsolePages {
  /** The page; {@code /console/} is the same (Javalin ignores a trailing slash). */
  static final String PAGE = "/console";
  static final String ASSET = "/console/{asset}";
  static final Set<String> PATHS = Set.of(PAGE, ASSET);

  static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
      + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private static final String RESOURCES = "/io/fabric/gateway/console/";
  private static final String INDEX = "index.html";
  /** Every file the console has, with its content type; nothing else is served under /console. */
  static final Map<String, String> FILES = files();

  private final Map<String, byte[]> contents = new LinkedHashMap<>();

  ConsolePages() {
    FILES.keySet().forEach(name -> contents.put(name, read(name)));
  }

  void page(Context ctx) {
    serve(ctx, INDEX);
  }

  void asset(Context ctx) {
    String name = ctx.pathParam("asset");
    if (name.equals(INDEX) || !contents.containsKey(name)) {
      secured(ctx).status(404).contentType("text/plain;charset=utf-8").result("no console file " + name);
      return;
    }
    serve(ctx, name);
  }

  private void serve(Context ctx, String name) {
    secured(ctx).status(200).contentType(FILES.get(name)).result(contents.get(name));
  }

  private static Context secured(Context ctx) {
    return ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .header("X-Content-Type-Options", "nosniff")
        .header("X-Frame-Options", "DENY")
        .header("Referrer-Policy", "no-referrer")
        .header("Cross-Origin-Opener-Policy", "same-origin")
        // revalidate, so a browser never runs an older script against a newer API
        .header("Cache-Control", "no-cache");
  }

  /** The text of a console file, as served. */
  static byte[] read(String name) {
    try (InputStream in = ConsolePages.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("console file " + name + " is missing from the gateway's resources");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, String> files() {
    Map<String, String> files = new LinkedHashMap<>();
    files.put(INDEX, "text/html;charset=utf-8");
    files.put("console.css", "text/css;charset=utf-8");
    files.put("console.js", "text/javascript;charset=utf-8");
    files.put("approval-token.js", "text/javascript;charset=utf-8");
    files.put("metrics.js", "text/javascript;charset=utf-8");
    return Map.copyOf(files);
  }
}
