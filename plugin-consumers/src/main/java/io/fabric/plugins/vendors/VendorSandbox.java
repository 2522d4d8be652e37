package io.fabric.plugins.vendors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.vendors.SandboxHttp.Handler;
import io.fabric.plugins.vendors.SandboxHttp.Reply;
import io.fabric.plugins.vendors.SandboxHttp.Request;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local stand-in for every vendor the plugins call, for {@code fabric demo} and
 * {@code fabric run --sandbox}: one HTTP server on loopback (the JDK's, port chosen by the OS)
 * answering the WhatsApp, Salesforce, Stripe, Twilio-style and DocuSign-style endpoints with the
 * vendors' JSON shapes, ids and error formats, a signed-webhook receiver, and an SMTP sink. The
 * plugins make their real HTTP/SMTP calls against it; only the base URLs and (dummy) credentials
 * differ, set through {@link #systemProperties()}.
 *
 * <p>Stripe endpoints honour {@code Idempotency-Key} as Stripe does (the same key never charges
 * twice). Every call is kept in {@link #calls()} (without its Authorization header) and every effect
 * counted by kind in {@link #effects(String)}.
 *
 * <pre>{@code
 * try (VendorSandbox sandbox = VendorSandbox.start()) {
 *   sandbox.applyToSystemProperties();           // plugins found by ServiceLoader now call the sandbox
 *   ... run the fabric ...
 *   sandbox.effects(VendorSandbox.CHARGE);       // how many charges were made
 * }
 * }</pre>
 */
public final class VendorSandbox implements AutoCloseable {
  /** Effect kinds counted by {@link #effects(String)}. */
  public static final String WHATSAPP_MESSAGE = "whatsapp_message";
  public static final String SALESFORCE_RECORD = "salesforce_record";
  public static final String CHARGE = "charge";
  public static final String REFUND = "refund";
  public static final String PAYMENT_INTENT_CANCEL = "payment_intent_cancel";
  public static final String SUBSCRIPTION_CHANGE = "subscription_change";
  public static final String CALL = "call";
  public static final String CALL_CANCEL = "call_cancel";
  public static final String ENVELOPE = "envelope";
  public static final String ENVELOPE_VOID = "envelope_void";
  public static final String EMAIL = "email";
  public static final String WEBHOOK = "webhook";

  /** The path of the sandbox's webhook receiver. */
  public static final String WEBHOOK_PATH = "/webhooks/fabric";

  static final String WHATSAPP_TOKEN = "sandbox-whatsapp-token";
  static final String WHATSAPP_PHONE_NUMBER_ID = "100000000000001";
  static final String SALESFORCE_TOKEN = "sandbox-salesforce-token";
  static final String STRIPE_SECRET_KEY = "sk_test_sandbox_0000000000000000";
  static final String TWILIO_ACCOUNT_SID = "AC00000000000000000000000000sandbox";
  static final String TWILIO_AUTH_TOKEN = "sandbox-twilio-auth-token";
  static final String TWILIO_FROM = "+15005550006";
  static final String DOCUSIGN_ACCOUNT_ID = "00000000-0000-0000-0000-00000sandbox";
  static final String DOCUSIGN_TOKEN = "sandbox-docusign-token";
  static final String WEBHOOK_SECRET = "whsec_sandbox_0000000000000000";
  static final String EMAIL_FROM = "fabric@sandbox.local";

  /** Request headers worth keeping in {@link #calls()}; never Authorization. */
  private static final Set<String> RECORDED_HEADERS = Set.of("idempotency-key", "content-type", "stripe-version",
      WebhookSignature.HEADER.toLowerCase(Locale.ROOT));
  private static final int MAX_RECORDED_CHARS = 64 * 1024;
  private static final Logger log = LoggerFactory.getLogger(VendorSandbox.class);

  /**
   * One call the sandbox answered.
   *
   * @param vendor {@code whatsapp}, {@code salesforce}, {@code stripe}, {@code voice}, {@code contracts},
   *               {@code webhook}, {@code email} or {@code unknown}
   * @param headers the recorded request headers (Idempotency-Key, Content-Type, signature; for email
   *                From, To, Subject, Message-ID)
   */
  public record Call(String vendor, String method, String path, Map<String, String> headers, String body, int status, Instant at) {}

  private record Route(String vendor, Set<String> methods, Pattern path, Handler handler) {}

  private record Injected(String method, String pathPrefix, int status, AtomicInteger remaining) {}

  private final HttpServer server;
  private final ExecutorService executor;
  private final SandboxSmtp smtp;
  private final SandboxLedger ledger = new SandboxLedger();
  private final SandboxDocuSign docuSign;
  private final List<Route> routes = new ArrayList<>();
  private final List<Injected> injected = new ArrayList<>();
  private final Map<String, String> replacedProperties = new LinkedHashMap<>();
  private boolean propertiesApplied;
  private boolean closed;

  private VendorSandbox() throws IOException {
    SandboxWhatsApp whatsApp = new SandboxWhatsApp(WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID, ledger);
    SandboxSalesforce salesforce = new SandboxSalesforce(SALESFORCE_TOKEN, ledger);
    SandboxStripe stripe = new SandboxStripe(STRIPE_SECRET_KEY, ledger);
    SandboxTwilio twilio = new SandboxTwilio(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, ledger);
    docuSign = new SandboxDocuSign(DOCUSIGN_ACCOUNT_ID, DOCUSIGN_TOKEN, ledger);
    SandboxWebhookReceiver receiver = new SandboxWebhookReceiver(WEBHOOK_SECRET, ledger);
    route(WhatsAppPlugin.NAME, "POST", "/v[0-9.]+/([^/]+)/messages", whatsApp::send);
    route(SalesforcePlugin.NAME, "PATCH", "/services/data/v[0-9.]+/sobjects/([^/]+)/([^/]+)/([^/]+)", salesforce::upsert);
    route(StripePlugin.NAME, "POST", "/v1/payment_intents", stripe::createPaymentIntent);
    route(StripePlugin.NAME, "GET", "/v1/payment_intents/([^/]+)", stripe::retrievePaymentIntent);
    route(StripePlugin.NAME, "POST", "/v1/payment_intents/([^/]+)/cancel", stripe::cancelPaymentIntent);
    route(StripePlugin.NAME, "POST", "/v1/refunds", stripe::createRefund);
    route(StripePlugin.NAME, "GET POST DELETE", "/v1/subscriptions/([^/]+)", stripe::subscription);
    route(VoicePlugin.NAME, "POST", "/2010-04-01/Accounts/([^/]+)/Calls\\.json", twilio::create);
    route(VoicePlugin.NAME, "GET POST", "/2010-04-01/Accounts/([^/]+)/Calls/([^/]+)\\.json", twilio::update);
    route(ContractPlugin.NAME, "GET POST", "/restapi/v2\\.1/accounts/([^/]+)/envelopes", docuSign::envelopes);
    route(ContractPlugin.NAME, "GET PUT", "/restapi/v2\\.1/accounts/([^/]+)/envelopes/([^/]+)", docuSign::envelope);
    route(WebhookPlugin.NAME, "POST", Pattern.quote(WEBHOOK_PATH), receiver::receive);

    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    AtomicInteger threads = new AtomicInteger();
    executor = Executors.newFixedThreadPool(4, r -> {
      Thread thread = new Thread(r, "vendor-sandbox-http-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    server.setExecutor(executor);
    server.createContext("/", this::exchange);
    try {
      smtp = new SandboxSmtp(ledger);
    } catch (IOException e) {
      executor.shutdownNow();
      throw e;
    }
    server.start();
  }

  /** Starts a sandbox on free loopback ports. */
  public static VendorSandbox start() {
    try {
      VendorSandbox sandbox = new VendorSandbox();
      log.info("vendor sandbox listening on {} (SMTP on port {})", sandbox.baseUrl(), sandbox.smtpPort());
      return sandbox;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the vendor sandbox on loopback", e);
    }
  }

  /** {@code http://127.0.0.1:<port>}: the base URL of every simulated HTTP vendor. */
  public String baseUrl() {
    return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort();
  }

  public int smtpPort() {
    return smtp.port();
  }

  /** Every call answered so far, oldest first. */
  public List<Call> calls() {
    return ledger.calls();
  }

  /** The calls answered so far to one vendor (a plugin name, or {@code email}). */
  public List<Call> calls(String vendor) {
    return ledger.calls().stream().filter(call -> call.vendor().equals(vendor)).toList();
  }

  /** How many effects of {@code kind} (e.g. {@link #CHARGE}) the simulated vendors made; replays are not effects. */
  public int effects(String kind) {
    return ledger.effects(kind);
  }

  /**
   * The next {@code times} calls whose method is {@code method} and path starts with
   * {@code pathPrefix} fail with {@code status} (a vendor-style JSON error), to show retries (503,
   * 429) or permanent failures (400) against the sandbox.
   */
  public void failNext(String method, String pathPrefix, int status, int times) {
    synchronized (injected) {
      injected.add(new Injected(method.toUpperCase(Locale.ROOT), pathPrefix, status, new AtomicInteger(times)));
    }
  }

  /** Marks a sent envelope as signed by everyone, so it can no longer be voided (as in DocuSign). */
  public boolean completeEnvelope(String envelopeId) {
    return docuSign.complete(envelopeId);
  }

  /**
   * The configuration that points every vendor plugin at this sandbox, as system properties
   * ({@code fabric.plugin.<plugin>.<key>}): base URLs, SMTP host and port, dummy credentials.
   */
  public Map<String, String> systemProperties() {
    Map<String, String> properties = new TreeMap<>();
    String base = baseUrl();
    put(properties, WhatsAppPlugin.NAME, Map.of(VendorConfig.BASE_URL, base, WhatsAppPlugin.TOKEN, WHATSAPP_TOKEN,
        WhatsAppPlugin.PHONE_NUMBER_ID, WHATSAPP_PHONE_NUMBER_ID));
    put(properties, SalesforcePlugin.NAME, Map.of(VendorConfig.BASE_URL, base, SalesforcePlugin.TOKEN, SALESFORCE_TOKEN));
    put(properties, StripePlugin.NAME, Map.of(VendorConfig.BASE_URL, base, StripePlugin.SECRET_KEY, STRIPE_SECRET_KEY));
    put(properties, VoicePlugin.NAME, Map.of(VendorConfig.BASE_URL, base, VoicePlugin.ACCOUNT_SID, TWILIO_ACCOUNT_SID,
        VoicePlugin.AUTH_TOKEN, TWILIO_AUTH_TOKEN, VoicePlugin.FROM, TWILIO_FROM,
        VoicePlugin.TWIML_URL, "http://demo.twilio.com/docs/voice.xml"));
    put(properties, ContractPlugin.NAME, Map.of(VendorConfig.BASE_URL, base, ContractPlugin.ACCOUNT_ID, DOCUSIGN_ACCOUNT_ID,
        ContractPlugin.TOKEN, DOCUSIGN_TOKEN));
    put(properties, EmailPlugin.NAME, Map.of(EmailPlugin.HOST, server.getAddress().getAddress().getHostAddress(),
        EmailPlugin.PORT, String.valueOf(smtp.port()), EmailPlugin.FROM, EMAIL_FROM, EmailPlugin.STARTTLS, "false",
        EmailPlugin.SSL, "false"));
    put(properties, WebhookPlugin.NAME, Map.of(WebhookPlugin.URL, base + WEBHOOK_PATH, WebhookPlugin.SECRET, WEBHOOK_SECRET));
    return properties;
  }

  /** The sandbox configuration of one plugin, for constructing a plugin directly. */
  public VendorConfig config(String plugin) {
    return VendorConfig.of(plugin, systemProperties());
  }

  /** Every vendor plugin, configured for this sandbox. */
  public List<FabricPlugin> plugins() {
    return List.of(new WhatsAppPlugin(config(WhatsAppPlugin.NAME)), new SalesforcePlugin(config(SalesforcePlugin.NAME)),
        new StripePlugin(config(StripePlugin.NAME)), new VoicePlugin(config(VoicePlugin.NAME)),
        new ContractPlugin(config(ContractPlugin.NAME)), new EmailPlugin(config(EmailPlugin.NAME)),
        new WebhookPlugin(config(WebhookPlugin.NAME)));
  }

  /**
   * Sets {@link #systemProperties()} on this JVM, so plugins created by {@link java.util.ServiceLoader}
   * (which read their configuration at each task) call the sandbox; {@link #close()} restores the
   * previous values.
   */
  public synchronized void applyToSystemProperties() {
    systemProperties().forEach((key, value) -> {
      if (!replacedProperties.containsKey(key)) {
        replacedProperties.put(key, System.getProperty(key));
      }
      System.setProperty(key, value);
    });
    propertiesApplied = true;
  }

  /** Stops the servers and restores the system properties {@link #applyToSystemProperties()} replaced; idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (propertiesApplied) {
      replacedProperties.forEach((key, previous) -> {
        if (previous == null) {
          System.clearProperty(key);
        } else {
          System.setProperty(key, previous);
        }
      });
      propertiesApplied = false;
    }
    server.stop(0);
    executor.shutdownNow();
    try {
      smtp.close();
    } catch (IOException e) {
      log.debug("closing the sandbox SMTP server: {}", e.toString());
    }
  }

  private static void put(Map<String, String> properties, String plugin, Map<String, String> keys) {
    keys.forEach((key, value) -> properties.put(VendorConfig.propertyName(plugin, key), value));
  }

  private void route(String vendor, String methods, String path, Handler handler) {
    routes.add(new Route(vendor, Set.of(methods.split(" ")), Pattern.compile(path), handler));
  }

  private void exchange(HttpExchange exchange) throws IOException {
    try {
      Request request = read(exchange);
      String vendor = "unknown";
      Reply reply = null;
      Injected failure = injectedFailure(request);
      for (Route route : routes) {
        Matcher matcher = route.path().matcher(request.path());
        if (matcher.matches()) {
          vendor = route.vendor();
          if (failure != null) {
            reply = SandboxStripe.error(failure.status(), "api_error", "sandbox_injected_failure",
                "sandbox: injected HTTP " + failure.status());
          } else if (route.methods().contains(request.method())) {
            reply = route.handler().handle(request, matcher);
          } else {
            reply = SandboxStripe.error(405, "invalid_request_error", "method_not_allowed",
                "Method " + request.method() + " is not allowed on " + request.path());
          }
          break;
        }
      }
      if (reply == null) {
        reply = Reply.json(404, Map.of("error", Map.of("message", "the vendor sandbox has no endpoint " + request.path())));
      }
      Map<String, String> recorded = new TreeMap<>();
      request.headers().forEach((name, value) -> {
        if (RECORDED_HEADERS.contains(name)) {
          recorded.put(name, value);
        }
      });
      String body = request.body().length() <= MAX_RECORDED_CHARS ? request.body() : request.body().substring(0, MAX_RECORDED_CHARS);
      ledger.call(new Call(vendor, request.method(), request.path(), Map.copyOf(recorded), body, reply.status(), Instant.now()));
      write(exchange, reply);
    } catch (RuntimeException e) {
      log.warn("vendor sandbox failed on {} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e.toString());
      throw e;
    } finally {
      exchange.close();
    }
  }

  private Injected injectedFailure(Request request) {
    synchronized (injected) {
      for (Injected failure : injected) {
        if (failure.method().equals(request.method()) && request.path().startsWith(failure.pathPrefix())
            && failure.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          return failure;
        }
      }
      return null;
    }
  }

  private static Request read(HttpExchange exchange) throws IOException {
    Map<String, String> headers = new LinkedHashMap<>();
    exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
    String body;
    try (InputStream in = exchange.getRequestBody()) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    return new Request(exchange.getRequestMethod().toUpperCase(Locale.ROOT), exchange.getRequestURI().getRawPath(),
        exchange.getRequestURI().getRawQuery(), Map.copyOf(headers), body);
  }

  private static void write(HttpExchange exchange, Reply reply) throws IOException {
    reply.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
    byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
    if (bytes.length > 0) {
      exchange.getResponseHeaders().set("Content-Type", reply.contentType());
    }
    exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
