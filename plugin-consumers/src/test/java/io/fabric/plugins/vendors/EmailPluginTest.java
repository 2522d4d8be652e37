package io.fabric.plugins.vendors;

import static io.fabric.plugins.vendors.VendorTesting.KEY;
import static io.fabric.plugins.vendors.VendorTesting.assertNoSecret;
import static io.fabric.plugins.vendors.VendorTesting.config;
import static io.fabric.plugins.vendors.VendorTesting.context;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.plugins.spi.TaskException;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EmailPluginTest {
  private static final String PASSWORD = "smtpPassw0rdSecret";
  private static final Map<String, Object> PAYLOAD = Map.of("to", List.of("ada@example.com"), "cc", "ops@example.com",
      "subject", "Your invoice", "text", "Invoice 42 is attached.");

  private GreenMail smtp;

  @BeforeEach
  void startSmtp() {
    smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
    smtp.setUser("fabric@example.com", "mailer", PASSWORD);
    smtp.start();
  }

  @AfterEach
  void stopSmtp() {
    smtp.stop();
  }

  private EmailPlugin plugin(int port, Map<String, String> overrides) {
    return new EmailPlugin(config("email", Map.of("host", "127.0.0.1", "port", String.valueOf(port), "user", "mailer",
        "password", PASSWORD, "from", "Fabric <fabric@example.com>", "starttls", "false"), overrides),
        Clock.fixed(Instant.parse("2025-03-01T12:00:00Z"), ZoneOffset.UTC));
  }

  private EmailPlugin plugin() {
    return plugin(smtp.getSmtp().getPort(), Map.of());
  }

  @Test
  void sendsOverSmtpWithAMessageIdDerivedFromTheIdempotencyKey() throws Exception {
    Map<String, Object> result = plugin().execute("acme", PAYLOAD, context("send_email"));

    String messageId = EmailPlugin.messageId("acme", KEY, "example.com");
    assertEquals(Map.of("email", Map.of("message_id", messageId, "from", "Fabric <fabric@example.com>",
        "to", List.of("ada@example.com"), "cc", List.of("ops@example.com"), "subject", "Your invoice")), result);
    assertTrue(smtp.waitForIncomingEmail(5_000, 2));
    MimeMessage received = smtp.getReceivedMessages()[0];
    assertEquals(messageId, received.getMessageID());
    assertEquals("Your invoice", received.getSubject());
    assertEquals("ada@example.com", received.getRecipients(Message.RecipientType.TO)[0].toString());
    assertEquals("ops@example.com", received.getRecipients(Message.RecipientType.CC)[0].toString());
    assertEquals("req-7", received.getHeader("X-Fabric-Request-Id")[0]);
    assertEquals("Invoice 42 is attached.", GreenMailUtil.getBody(received).strip());
    assertNoSecret(PASSWORD, result);
  }

  @Test
  void aResendCarriesTheSameMessageIdAndAnotherTenantsDoesNot() throws Exception {
    plugin().execute("acme", PAYLOAD, context("send_email"));
    plugin().execute("acme", PAYLOAD, context("send_email", KEY, 2, false));
    plugin().execute("globex", PAYLOAD, context("send_email"));

    assertTrue(smtp.waitForIncomingEmail(5_000, 6));
    MimeMessage[] received = smtp.getReceivedMessages();
    String first = received[0].getMessageID();
    long sameAsFirst = java.util.Arrays.stream(received).map(m -> {
      try {
        return m.getMessageID();
      } catch (jakarta.mail.MessagingException e) {
        throw new AssertionError(e);
      }
    }).filter(first::equals).count();
    assertEquals(4, sameAsFirst); // two sends of acme's step, each to two recipients
    assertNotEquals(EmailPlugin.messageId("acme", KEY, "example.com"), EmailPlugin.messageId("globex", KEY, "example.com"));
  }

  @Test
  void htmlIsSentWithItsTextAlternative() throws Exception {
    plugin().execute("acme", Map.of("to", "ada@example.com", "subject", "Hi", "text", "plain", "html", "<p>rich</p>"),
        context("send_email"));

    assertTrue(smtp.waitForIncomingEmail(5_000, 1));
    MimeMultipart parts = (MimeMultipart) smtp.getReceivedMessages()[0].getContent();
    assertEquals(2, parts.getCount());
    assertTrue(parts.getContentType().startsWith("multipart/alternative"), parts.getContentType());
  }

  @Test
  void rejectedCredentialsArePermanentAndThePasswordStaysSecret() {
    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin(smtp.getSmtp().getPort(), Map.of("password", "wrongSecretPassword")).execute("acme", PAYLOAD, context("send_email")));

    assertTrue(e.getMessage().contains("rejected the credentials of user mailer"), e.getMessage());
    assertNoSecret("wrongSecretPassword", e);
    assertNoSecret(PASSWORD, e);
  }

  @Test
  void anUnreachableServerIsRetryable() {
    assertThrows(RetryableTaskException.class,
        () -> plugin(VendorTesting.closedPort(), Map.of()).execute("acme", PAYLOAD, context("send_email")));
  }

  @Test
  void aTemporaryRefusalIsRetryableAndAPermanentOneIsNot() throws Exception {
    try (ScriptedSmtp temporary = new ScriptedSmtp("451 4.3.0 Mailbox temporarily unavailable")) {
      RetryableTaskException e = assertThrows(RetryableTaskException.class,
          () -> plugin(temporary.port(), Map.of("user", "")).execute("acme", PAYLOAD, context("send_email")));
      assertTrue(e.getMessage().contains("(451)"), e.getMessage());
    }
    try (ScriptedSmtp permanent = new ScriptedSmtp("550 5.1.1 No such user here")) {
      PermanentTaskException e = assertThrows(PermanentTaskException.class,
          () -> plugin(permanent.port(), Map.of("user", "")).execute("acme", PAYLOAD, context("send_email")));
      assertTrue(e.getMessage().contains("(550)"), e.getMessage());
    }
  }

  @Test
  void aBadAddressIsRefusedBeforeConnecting() {
    assertThrows(PermanentTaskException.class, () -> plugin(VendorTesting.closedPort(), Map.of())
        .execute("acme", Map.of("to", "not an address", "subject", "s", "text", "t"), context("send_email")));
  }

  @Test
  void missingSettingsNameWhatToSet() {
    EmailPlugin plugin = new EmailPlugin(VendorConfig.ofKeys("email", Map.of()));

    PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> plugin.execute("acme", PAYLOAD, context("send_email")));

    assertTrue(e.getMessage().startsWith("email plugin is not configured: set FABRIC_EMAIL_HOST, FABRIC_EMAIL_FROM"), e.getMessage());
  }

  @Test
  void aSentMessageIsNeitherCompensableNorSafelyRepeated() {
    assertFalse(plugin().compensable("send_email"));
    assertEquals(InDoubtSupport.NONE, plugin().inDoubtSupport());
  }

  /** An SMTP server that answers every RCPT with one scripted reply, to test how refusals are classified. */
  private static final class ScriptedSmtp implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    ScriptedSmtp(String rcptReply) throws IOException {
      executor.submit(() -> {
        try (Socket socket = server.accept();
             BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
             Writer out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.US_ASCII)) {
          out.write("220 scripted\r\n");
          out.flush();
          String line;
          while ((line = in.readLine()) != null) {
            String reply = line.startsWith("RCPT") ? rcptReply : line.startsWith("QUIT") ? "221 bye" : "250 ok";
            out.write(reply + "\r\n");
            out.flush();
            if (line.startsWith("QUIT")) {
              break;
            }
          }
        }
        return null;
      });
    }

    int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
      executor.shutdownNow();
    }
  }
}
