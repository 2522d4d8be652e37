package io.fabric.plugins.vendors;

import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import jakarta.mail.Address;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.IOException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;

/**
 * {@code send_email} over SMTP (Jakarta Mail, Angus Mail). The {@code Message-ID} is derived from the
 * tenant and the step's idempotency key, so a resend carries the same id and mail systems that
 * deduplicate by it (and people) recognise it; SMTP itself has no idempotency or look-up, so an
 * in-doubt send is left to a person ({@link InDoubtSupport#NONE}) and a sent message is not compensable.
 *
 * <p>Failures: cannot connect, or a 4xx SMTP reply before the message was accepted, is retryable;
 * bad credentials, a 5xx reply or a bad address is permanent; a connection lost while sending is
 * permanent with "outcome unknown".
 *
 * <p>Payload: {@code to} (address or list), optional {@code cc}, {@code reply_to}, {@code subject},
 * {@code text} and/or {@code html}. Result: {@code email: {message_id, from, to, cc, subject}}.
 */
public final class EmailPlugin extends VendorPlugin {
  public static final String NAME = "email";
  public static final String SEND = "send_email";
  public static final String HOST = "host";
  public static final String PORT = "port";
  public static final String USER = "user";
  public static final String PASSWORD = "password";
  public static final String FROM = "from";
  /** Upgrade the connection with STARTTLS, and refuse a server that cannot. */
  public static final String STARTTLS = "starttls";
  /** Implicit TLS (SMTPS, usually port 465) instead of STARTTLS. */
  public static final String SSL = "ssl";
  /** The domain part of generated Message-IDs; default the sender's domain. */
  public static final String MESSAGE_ID_DOMAIN = "message_id_domain";

  private final Clock clock;

  public EmailPlugin() {
    this(VendorConfig.fromEnvironment(NAME));
  }

  public EmailPlugin(VendorConfig config) {
    this(config, Clock.systemUTC());
  }

  EmailPlugin(VendorConfig config, Clock clock) {
    super(NAME, config, InDoubtSupport.NONE, SEND);
    this.clock = clock;
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    requireHandled(context);
    Map<String, String> settings = config.require(HOST, FROM);
    Optional<String> user = config.get(USER);
    if (user.isPresent()) {
      config.require(PASSWORD);
    }
    boolean ssl = config.flag(SSL);
    String protocol = ssl ? "smtps" : "smtp";
    int port = config.number(PORT);
    Session session = Session.getInstance(sessionProperties(protocol, settings.get(HOST), port, user.isPresent(), ssl));

    List<String> to = VendorPayload.texts(payload, "to", true);
    List<String> cc = VendorPayload.texts(payload, "cc", false);
    String subject = VendorPayload.text(payload, "subject");
    Optional<String> text = VendorPayload.optionalText(payload, "text");
    Optional<String> html = VendorPayload.optionalText(payload, "html");
    if (text.isEmpty() && html.isEmpty()) {
      throw new PermanentTaskException("payload needs 'text' or 'html'");
    }
    String from = settings.get(FROM);
    String messageId = messageId(tenantId, context.idempotencyKey(), config.get(MESSAGE_ID_DOMAIN).orElse(domainOf(from)));
    MimeMessage message = new FixedIdMessage(session, messageId);
    try {
      message.setFrom(new InternetAddress(from, true));
      message.setRecipients(Message.RecipientType.TO, addresses(to, "to"));
      if (!cc.isEmpty()) {
        message.setRecipients(Message.RecipientType.CC, addresses(cc, "cc"));
      }
      Optional<String> replyTo = VendorPayload.optionalText(payload, "reply_to");
      if (replyTo.isPresent()) {
        message.setReplyTo(addresses(List.of(replyTo.get()), "reply_to"));
      }
      message.setSubject(subject, "UTF-8");
      message.setSentDate(Date.from(clock.instant()));
      message.setHeader("X-Fabric-Request-Id", context.requestId());
      if (html.isPresent()) {
        MimeMultipart alternative = new MimeMultipart("alternative");
        if (text.isPresent()) {
          MimeBodyPart plain = new MimeBodyPart();
          plain.setText(text.get(), "UTF-8");
          alternative.addBodyPart(plain);
        }
        MimeBodyPart rich = new MimeBodyPart();
        rich.setText(html.get(), "UTF-8", "html");
        alternative.addBodyPart(rich);
        message.setContent(alternative);
      } else {
        message.setText(text.get(), "UTF-8");
      }
      message.saveChanges();
    } catch (MessagingException e) {
      throw new PermanentTaskException(NAME + ": cannot build the message: " + config.redact(e.getMessage()));
    }

    send(session, protocol, settings.get(HOST), port, user, message);
    Map<String, Object> sent = new LinkedHashMap<>();
    sent.put("message_id", messageId);
    sent.put("from", from);
    sent.put("to", to);
    if (!cc.isEmpty()) {
      sent.put("cc", cc);
    }
    sent.put("subject", subject);
    return Map.of("email", sent);
  }

  private void send(Session session, String protocol, String host, int port, Optional<String> user, MimeMessage message)
      throws TaskException {
    String where = NAME + ": SMTP " + host + ":" + port;
    Transport transport;
    try {
      transport = session.getTransport(protocol);
    } catch (MessagingException e) {
      throw new PermanentTaskException(where + ": no transport for " + protocol);
    }
    try {
      try {
        transport.connect(host, port, user.orElse(null), user.isPresent() ? config.get(PASSWORD, null) : null);
      } catch (AuthenticationFailedException e) {
        throw new PermanentTaskException(where + " rejected the credentials of user " + user.orElse("(none)") + ": " + reply(e));
      } catch (MessagingException e) {
        // nothing was sent yet: a network problem may pass; anything else (e.g. no STARTTLS) is configuration
        if (causedByIo(e)) {
          throw new RetryableTaskException(where + ": could not connect: " + reply(e));
        }
        throw new PermanentTaskException(where + ": " + reply(e));
      }
      try {
        transport.sendMessage(message, message.getAllRecipients());
      } catch (SendFailedException e) {
        throw sendFailed(where, e);
      } catch (MessagingException e) {
        throw new PermanentTaskException(where + ": the connection failed while sending (" + reply(e) + "), so the outcome is "
            + "unknown; SMTP cannot deduplicate a repeat, so it is not retried: check whether message " + messageIdOf(message)
            + " was delivered before replaying");
      }
    } finally {
      try {
        transport.close();
      } catch (MessagingException ignored) {
        // the message was handed over (or the failure reported) before QUIT; a failed QUIT changes neither
      }
    }
  }

  /** A refused sender or recipient, or a refused message: 4xx is temporary unless some recipients already got it. */
  private TaskException sendFailed(String where, SendFailedException e) {
    Address[] sentTo = e.getValidSentAddresses();
    int code = replyCode(e);
    String detail = where + " refused the message" + (code > 0 ? " (" + code + ")" : "") + ": " + reply(e)
        + invalid(e.getInvalidAddresses());
    if (sentTo != null && sentTo.length > 0) {
      return new PermanentTaskException(detail + "; it was already sent to " + Arrays.toString(sentTo) + ", so it is not retried");
    }
    if (code >= 400 && code < 500) {
      return new RetryableTaskException(detail);
    }
    return new PermanentTaskException(detail);
  }

  private static String invalid(Address[] invalid) {
    return invalid == null || invalid.length == 0 ? "" : "; invalid recipients: " + Arrays.toString(invalid);
  }

  /** The SMTP reply code of {@code e} or of the exceptions chained to it, 0 if none. */
  private static int replyCode(MessagingException e) {
    for (Exception next = e; next != null; next = next instanceof MessagingException m ? m.getNextException() : null) {
      if (next instanceof SMTPSendFailedException s) {
        return s.getReturnCode();
      }
      if (next instanceof SMTPAddressFailedException a) {
        return a.getReturnCode();
      }
      if (next instanceof SMTPSenderFailedException f) {
        return f.getReturnCode();
      }
    }
    return 0;
  }

  private static boolean causedByIo(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  private String reply(MessagingException e) {
    String text = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
    return VendorHttp.bounded(config.redact(text));
  }

  private Properties sessionProperties(String protocol, String host, int port, boolean auth, boolean ssl) throws PermanentTaskException {
    String prefix = "mail." + protocol + ".";
    Properties props = new Properties();
    props.put(prefix + "host", host);
    props.put(prefix + "port", String.valueOf(port));
    props.put(prefix + "auth", String.valueOf(auth));
    props.put(prefix + "connectiontimeout", String.valueOf(config.number(VendorConfig.CONNECT_TIMEOUT_MS)));
    props.put(prefix + "timeout", String.valueOf(config.number(VendorConfig.REQUEST_TIMEOUT_MS)));
    props.put(prefix + "writetimeout", String.valueOf(config.number(VendorConfig.REQUEST_TIMEOUT_MS)));
    if (ssl) {
      props.put(prefix + "ssl.enable", "true");
      props.put(prefix + "ssl.checkserveridentity", "true");
    } else if (config.flag(STARTTLS)) {
      props.put(prefix + "starttls.enable", "true");
      props.put(prefix + "starttls.required", "true");
      props.put(prefix + "ssl.checkserveridentity", "true");
    }
    return props;
  }

  private static InternetAddress[] addresses(List<String> values, String field) throws PermanentTaskException {
    InternetAddress[] addresses = new InternetAddress[values.size()];
    for (int i = 0; i < values.size(); i++) {
      try {
        addresses[i] = new InternetAddress(values.get(i), true);
      } catch (AddressException e) {
        throw new PermanentTaskException("payload field '" + field + "' has an invalid address '" + values.get(i) + "': " + e.getMessage());
      }
    }
    return addresses;
  }

  /** {@code <fabric.{hash of tenant and key}@domain>}: stable across resends of one step, distinct between tenants. */
  static String messageId(String tenantId, String idempotencyKey, String domain) {
    return "<fabric." + IdempotencyKeys.sha256Hex(tenantId + "\n" + idempotencyKey).substring(0, 32) + "@" + domain + ">";
  }

  private static String domainOf(String address) {
    int at = address.lastIndexOf('@');
    String domain = at < 0 ? "" : address.substring(at + 1).replaceAll("[>\\s]", "");
    return domain.isEmpty() ? "execution-fabric.local" : domain;
  }

  private static String messageIdOf(MimeMessage message) {
    try {
      return message.getMessageID();
    } catch (MessagingException e) {
      return "(unknown)";
    }
  }

  /** A message whose Message-ID is ours, not the random one Jakarta Mail generates on save. */
  private static final class FixedIdMessage extends MimeMessage {
    private final String messageId;

    FixedIdMessage(Session session, String messageId) {
      super(session);
      this.messageId = messageId;
    }

    @Override
    protected void updateMessageID() throws MessagingException {
      setHeader("Message-ID", messageId);
    }
  }
}
