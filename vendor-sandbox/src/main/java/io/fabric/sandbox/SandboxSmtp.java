package io.fabric.sandbox;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A minimal SMTP sink on loopback for the sandbox (the JDK has no SMTP server): accepts any sender
 * and recipient without authentication or TLS and records each message. Enough of RFC 5321 for
 * Jakarta Mail: EHLO/HELO, MAIL, RCPT, DATA (with dot-unstuffing), RSET, NOOP, QUIT.
 */
final class SandboxSmtp implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(SandboxSmtp.class);
  private static final int MAX_RECORDED_CHARS = 64 * 1024;

  private final ServerSocket server;
  private final ExecutorService executor;
  private final SandboxLedger ledger;
  private final AtomicInteger queued = new AtomicInteger();

  SandboxSmtp(SandboxLedger ledger) throws IOException {
    this.ledger = ledger;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    AtomicInteger threads = new AtomicInteger();
    this.executor = Executors.newCachedThreadPool(r -> {
      Thread thread = new Thread(r, "vendor-sandbox-smtp-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    executor.submit(this::acceptLoop);
  }

  int port() {
    return server.getLocalPort();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        executor.submit(() -> session(socket));
      } catch (IOException e) {
        if (!server.isClosed()) {
          log.warn("sandbox SMTP stopped accepting: {}", e.toString());
        }
        return;
      }
    }
  }

  private void session(Socket socket) {
    try (socket;
         BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
         Writer out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8)) {
      reply(out, "220 sandbox.local ESMTP Execution Fabric vendor sandbox");
      String from = null;
      List<String> recipients = new ArrayList<>();
      String line;
      while ((line = in.readLine()) != null) {
        String command = line.toUpperCase(Locale.ROOT);
        if (command.startsWith("EHLO")) {
          reply(out, "250-sandbox.local\r\n250-8BITMIME\r\n250 SMTPUTF8");
        } else if (command.startsWith("HELO")) {
          reply(out, "250 sandbox.local");
        } else if (command.startsWith("MAIL FROM:")) {
          from = address(line.substring(10));
          recipients.clear();
          reply(out, "250 2.1.0 OK");
        } else if (command.startsWith("RCPT TO:")) {
          if (from == null) {
            reply(out, "503 5.5.1 MAIL first");
          } else {
            recipients.add(address(line.substring(8)));
            reply(out, "250 2.1.5 OK");
          }
        } else if (command.equals("DATA")) {
          if (recipients.isEmpty()) {
            reply(out, "503 5.5.1 RCPT first");
            continue;
          }
          reply(out, "354 End data with <CR><LF>.<CR><LF>");
          String data = readData(in);
          String id = "sandbox-" + queued.incrementAndGet();
          record(from, recipients, data);
          reply(out, "250 2.0.0 OK queued as " + id);
          from = null;
          recipients = new ArrayList<>();
        } else if (command.equals("RSET")) {
          from = null;
          recipients.clear();
          reply(out, "250 2.0.0 OK");
        } else if (command.equals("NOOP")) {
          reply(out, "250 2.0.0 OK");
        } else if (command.equals("QUIT")) {
          reply(out, "221 2.0.0 Bye");
          return;
        } else {
          reply(out, "502 5.5.2 Command not implemented");
        }
      }
    } catch (IOException e) {
      log.debug("sandbox SMTP session ended: {}", e.toString());
    }
  }

  private static String readData(BufferedReader in) throws IOException {
    StringBuilder data = new StringBuilder();
    String line;
    while ((line = in.readLine()) != null && !line.equals(".")) {
      data.append(line.startsWith("..") ? line.substring(1) : line).append("\r\n");
    }
    return data.toString();
  }

  private void record(String from, List<String> recipients, String data) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("From", from);
    headers.put("To", String.join(", ", recipients));
    for (String header : data.split("\r\n")) {
      if (header.isEmpty()) {
        break;
      }
      if (header.regionMatches(true, 0, "Message-ID:", 0, 11)) {
        headers.put("Message-ID", header.substring(11).strip());
      } else if (header.regionMatches(true, 0, "Subject:", 0, 8)) {
        headers.put("Subject", header.substring(8).strip());
      }
    }
    String body = data.length() <= MAX_RECORDED_CHARS ? data : data.substring(0, MAX_RECORDED_CHARS);
    ledger.call(new VendorSandbox.Call(VendorSandbox.EMAIL, "SMTP", "DATA", Map.copyOf(headers), body, 250, Instant.now()));
    ledger.effect(VendorSandbox.EMAIL);
  }

  private static String address(String argument) {
    String text = argument.strip();
    int open = text.indexOf('<');
    int close = text.indexOf('>', open + 1);
    return open >= 0 && close > open ? text.substring(open + 1, close) : text.split("\\s+")[0];
  }

  private static void reply(Writer out, String text) throws IOException {
    out.write(text + "\r\n");
    out.flush();
  }

  @Override
  public void close() throws IOException {
    server.close();
    executor.shutdownNow();
  }
}
