package io.fabric.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric.sandbox.SandboxHttp.Handler;
import io.fabric.sandbox.SandboxHttp.Reply;
import io.fabric.sandbox.SandboxHttp.Request;
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
 * answering the WhatsApp, Salesforce, Stripe, Twilio-style, DocuSign-style, LinkedIn, WordPress, Slack and
 * Replicate-style endpoints with the vendors' JSON shapes, ids and error formats, a signed-webhook receiver, and an SMTP sink. The
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
  public static final String LINKEDIN_POST = "linkedin_post";
  public static final String LINKEDIN_POST_DELETE = "linkedin_post_delete";
  public static final String CMS_POST = "cms_post";
  public static final String CMS_POST_TRASH = "cms_post_trash";
  /** An upsert that changed a record's {@code OwnerId} (lead routing, or its undo). */
  public static final String SALESFORCE_OWNER_CHANGE = "salesforce_owner_change";
  public static final String SLACK_MESSAGE = "slack_message";
  public static final String SLACK_MESSAGE_DELETE = "slack_message_delete";
  /** A prediction (video or music generation job) created at the Replicate-style API; a repeated idempotency key is not one. */
  public static final String MEDIA_JOB = "media_job";
  public static final String MEDIA_JOB_CANCEL = "media_job_cancel";

  /** Stripe's test payment method that is always declined (HTTP 402 card_declined), as in Stripe's test mode. */
  public static final String STRIPE_DECLINED_CARD = SandboxStripe.DECLINED_CARD;

  /** The path of the sandbox's webhook receiver. */
  public static final String WEBHOOK_PATH = "/webhooks/fabric";

  /** The dummy credentials the simulators accept (and {@link #systemProperties()} hands the plugins); never real ones. */
  public static final String WHATSAPP_TOKEN = "sandbox-whatsapp-token";
  public static final String WHATSAPP_PHONE_NUMBER_ID = "100000000000001";
  public static final String SALESFORCE_TOKEN = "sandbox-salesforce-token";
  public static final String STRIPE_SECRET_KEY = "sk_test_sandbox_0000000000000000";
  public static final String TWILIO_ACCOUNT_SID = "AC00000000000000000000000000sandbox";
  public static final String TWILIO_AUTH_TOKEN = "sandbox-twilio-auth-token";
  public static final String TWILIO_FROM = "+15005550006";
  public static final String DOCUSIGN_ACCOUNT_ID = "00000000-0000-0000-0000-00000sandbox";
  public static final String DOCUSIGN_TOKEN = "sandbox-docusign-token";
  public static final String WEBHOOK_SECRET = "whsec_sandbox_0000000000000000";
  public static final String EMAIL_FROM = "fabric@sandbox.local";
  public static final String LINKEDIN_TOKEN = "sandbox-linkedin-token";
  public static final String LINKEDIN_AUTHOR = "urn:li:organization:1000001";
  public static final String WORDPRESS_USER = "fabric";
  /** WordPress application passwords are four-character groups separated by spaces. */
  public static final String WORDPRESS_PASSWORD = "sbx0 sbx1 sbx2 sbx3 sbx4 sbx5";
  public static final String SLACK_TOKEN = "xoxb-sandbox-0000000000";
  public static final String SLACK_CHANNEL = "C0SANDBOX01";
  /** The owner of every sandbox Salesforce record until an {@code OwnerId} is set. */
  public static final String SALESFORCE_DEFAULT_OWNER_ID = SandboxSalesforce.DEFAULT_OWNER_ID;
  /** The path under the sandbox's base URL where the simulated WordPress site lives. */
  public static final String WORDPRESS_PATH = "/wordpress";
  public static final String REPLICATE_TOKEN = "r8_sandbox_0000000000000000";
  /** The model versions the sandbox hands the media plugin (any version is accepted; one with "music" answers an .mp3). */
  public static final String MEDIA_VIDEO_VERSION = "sandbox-video-0001";
  public static final String MEDIA_MUSIC_VERSION = "sandbox-music-0001";
  /** A prompt containing this makes a sandbox prediction fail. */
  public static final String MEDIA_FAILING_PROMPT = SandboxReplicate.FAILING_PROMPT;

  /*
   * The plugins' configuration contract ({@code fabric.plugin.<plugin>.<key>}, documented in the README), spelled out
   * here because the sandbox stands in for the vendors and must not depend on the plugins that call them.
   * plugin-consumers' VendorSandboxTest runs every vendor plugin against these properties, so a renamed key fails there.
   */
  private static final String PROPERTY_PREFIX = "fabric.plugin.";
  private static final String WHATSAPP = "whatsapp";
  private static final String SALESFORCE = "salesforce";
  private static final String STRIPE = "stripe";
  private static final String VOICE = "voice";
  private static final String CONTRACTS = "contracts";
  private static final String EMAIL_PLUGIN = "email";
  private static final String WEBHOOK_PLUGIN = "webhook";
  private static final String LINKEDIN = "linkedin";
  private static final String CMS = "cms";
  private static final String CRM_ROUTING = "crm-routing";
  private static final String SLACK = "slack";
  private static final String MEDIA = "media";
  private static final String BASE_URL = "base_url";

  /** Request headers worth keeping in {@link #calls()}; never Authorization. */
  private static final Set<String> RECORDED_HEADERS = Set.of("idempotency-key", "content-type", "stripe-version",
      "linkedin-version", "x-restli-protocol-version", "sforce-auto-assign",
      SandboxWebhookReceiver.SIGNATURE_HEADER.toLowerCase(Locale.ROOT));
  private static final int MAX_RECORDED_CHARS = 64 * 1024;
  private static final Logger log = LoggerFactory.getLogger(VendorSandbox.class);

  /**
   * One call the sandbox answered.
   *
   * @param vendor {@code whatsapp}, {@code salesforce} (the {@code crm-routing} plugin's calls too),
   *               {@code stripe}, {@code voice}, {@code contracts}, {@code linkedin}, {@code cms},
   *               {@code slack}, {@code webhook}, {@code email} or {@code unknown}
   * @param headers the recorded request headers (Idempotency-Key, Content-Type, signature; for email
   *                From, To, Subject, Message-ID)
   */
  public record Call(String vendor, String method, String path, Map<String, String> headers, String body, int status, Instant at) {}

  private record Route(String vendor, Set<String> methods, Pattern path, Handler handler) {}

  private record Injected(String method, String pathPrefix, int status, AtomicInteger remaining) {}

  /** The vendor name the sandbox's model ({@link SandboxModel}) is recorded under in {@link #calls(String)}. */
  public static final String MODEL = "model";
  /** The dummy API key of the sandbox's model (both wire formats); {@link #systemProperties()} hands it to the agents' providers. */
  public static final String MODEL_API_KEY = "sandbox-model-key";

  private final HttpServer server;
  private final ExecutorService executor;
  private final SandboxSmtp smtp;
  private final SandboxLedger ledger = new SandboxLedger();
  private final SandboxDocuSign docuSign;
  private final SandboxReplicate replicate;
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
    SandboxLinkedIn linkedIn = new SandboxLinkedIn(LINKEDIN_TOKEN, ledger);
    SandboxSlack slack = new SandboxSlack(SLACK_TOKEN, ledger);
    SandboxWordPress wordPress = new SandboxWordPress(WORDPRESS_USER, WORDPRESS_PASSWORD, WORDPRESS_PATH, ledger);
    route(WHATSAPP, "POST", "/v[0-9.]+/([^/]+)/messages", whatsApp::send);
    route(SALESFORCE, "GET PATCH", "/services/data/v[0-9.]+/sobjects/([^/]+)/([^/]+)/([^/]+)", salesforce::record);
    route(STRIPE, "POST", "/v1/payment_intents", stripe::createPaymentIntent);
    route(STRIPE, "GET", "/v1/payment_intents/([^/]+)", stripe::retrievePaymentIntent);
    route(STRIPE, "POST", "/v1/payment_intents/([^/]+)/cancel", stripe::cancelPaymentIntent);
    route(STRIPE, "POST", "/v1/refunds", stripe::createRefund);
    route(STRIPE, "GET POST DELETE", "/v1/subscriptions/([^/]+)", stripe::subscription);
    route(VOICE, "POST", "/2010-04-01/Accounts/([^/]+)/Calls\\.json", twilio::create);
    route(VOICE, "GET POST", "/2010-04-01/Accounts/([^/]+)/Calls/([^/]+)\\.json", twilio::update);
    route(CONTRACTS, "GET POST", "/restapi/v2\\.1/accounts/([^/]+)/envelopes", docuSign::envelopes);
    route(CONTRACTS, "GET PUT", "/restapi/v2\\.1/accounts/([^/]+)/envelopes/([^/]+)", docuSign::envelope);
    route(WEBHOOK_PLUGIN, "POST", Pattern.quote(WEBHOOK_PATH), receiver::receive);
    route(LINKEDIN, "POST", "/rest/posts", linkedIn::create);
    route(LINKEDIN, "DELETE", "/rest/posts/([^/]+)", linkedIn::delete);
    route(CMS, "GET POST", Pattern.quote(WORDPRESS_PATH) + "/wp-json/wp/v2/posts", wordPress::posts);
    route(CMS, "GET DELETE", Pattern.quote(WORDPRESS_PATH) + "/wp-json/wp/v2/posts/([0-9]+)", wordPress::post);
    route(SLACK, "POST", "/api/chat\\.postMessage", slack::postMessage);
    route(SLACK, "POST", "/api/chat\\.delete", slack::delete);
    replicate = new SandboxReplicate(REPLICATE_TOKEN, ledger);
    route(MEDIA, "POST", "/v1/predictions", replicate::create);
    route(MEDIA, "GET", "/v1/predictions/([^/]+)", replicate::get);
    route(MEDIA, "POST", "/v1/predictions/([^/]+)/cancel", replicate::cancel);

    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    AtomicInteger threads = new AtomicInteger();
    executor = Executors.newFixedThreadPool(4, r -> {
      Thread thread = new Thread(r, "vendor-sandbox-http-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    server.setExecutor(executor);
    server.createContext("/", this::exchange);
    SandboxModel model = new SandboxModel(MODEL_API_KEY);
    route(MODEL, "POST", Pattern.quote(SandboxModel.OPENAI_PATH), model::openAi);
    route(MODEL, "POST", Pattern.quote(SandboxModel.ANTHROPIC_PATH), model::anthropic);
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

  /** How many polls a media prediction takes to succeed (3 unless set; at least 1). */
  public void completeMediaJobsAfterPolls(int polls) {
    replicate.completeAfterPolls(polls);
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
    properties.putAll(SandboxModel.systemProperties(base, MODEL_API_KEY));
    put(properties, WHATSAPP, Map.of(BASE_URL, base, "token", WHATSAPP_TOKEN,
        "phone_number_id", WHATSAPP_PHONE_NUMBER_ID));
    put(properties, SALESFORCE, Map.of(BASE_URL, base, "token", SALESFORCE_TOKEN));
    put(properties, STRIPE, Map.of(BASE_URL, base, "secret_key", STRIPE_SECRET_KEY));
    put(properties, VOICE, Map.of(BASE_URL, base, "account_sid", TWILIO_ACCOUNT_SID,
        "auth_token", TWILIO_AUTH_TOKEN, "from", TWILIO_FROM,
        "twiml_url", "http://demo.twilio.com/docs/voice.xml"));
    put(properties, CONTRACTS, Map.of(BASE_URL, base, "account_id", DOCUSIGN_ACCOUNT_ID,
        "token", DOCUSIGN_TOKEN));
    put(properties, EMAIL_PLUGIN, Map.of("host", server.getAddress().getAddress().getHostAddress(),
        "port", String.valueOf(smtp.port()), "from", EMAIL_FROM, "starttls", "false",
        "ssl", "false"));
    put(properties, WEBHOOK_PLUGIN, Map.of("url", base + WEBHOOK_PATH, "secret", WEBHOOK_SECRET));
    put(properties, LINKEDIN, Map.of(BASE_URL, base, "token", LINKEDIN_TOKEN, "author", LINKEDIN_AUTHOR));
    put(properties, CMS, Map.of(BASE_URL, base + WORDPRESS_PATH, "user", WORDPRESS_USER, "password", WORDPRESS_PASSWORD));
    put(properties, CRM_ROUTING, Map.of(BASE_URL, base, "token", SALESFORCE_TOKEN));
    put(properties, SLACK, Map.of(BASE_URL, base, "token", SLACK_TOKEN, "channel", SLACK_CHANNEL));
    put(properties, MEDIA, Map.of(BASE_URL, base, "token", REPLICATE_TOKEN, "video_version", MEDIA_VIDEO_VERSION,
        "music_version", MEDIA_MUSIC_VERSION, "poll_interval_ms", "500"));
    return properties;
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
    keys.forEach((key, value) -> properties.put(PROPERTY_PREFIX + plugin + "." + key, value));
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
