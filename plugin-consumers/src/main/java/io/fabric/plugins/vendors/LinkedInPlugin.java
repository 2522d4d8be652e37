package io.fabric.plugins.vendors;

import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code send_linkedin}: a post through LinkedIn's versioned REST API ({@code POST /rest/posts} with
 * {@code LinkedIn-Version} and {@code X-Restli-Protocol-Version: 2.0.0}); LinkedIn answers 201 with
 * the post's URN in the {@code x-restli-id} header. The Posts API takes no idempotency key and a
 * post carries nothing we could honestly find it by, so an in-doubt post is left to a person
 * ({@link InDoubtSupport#NONE}) and a response lost after sending is not retried. Compensation
 * deletes the post ({@code DELETE /rest/posts/{urn}}); deleting by URN is safe to repeat (a post
 * already gone answers 404, counted as done), so an in-doubt compensation is repeated
 * ({@link InDoubtSupport#LOOKUP} for the compensation).
 *
 * <p>The commentary is LinkedIn's "little" text format, in which {@code \ | { } @ [ ] ( ) < > # * _ ~}
 * are markup; unescaped, LinkedIn silently cuts the post at the first one. The text is sent as plain
 * text: every reserved character is escaped.
 *
 * <p>Payload: {@code text}, optional {@code author} (a person or organization URN; default the
 * configured {@code author}) and {@code visibility} ({@code PUBLIC}, {@code CONNECTIONS},
 * {@code LOGGED_IN}; default the configured one). Result: {@code linkedin_post: {post_urn, author,
 * visibility}}.
 */
public final class LinkedInPlugin extends VendorPlugin {
  public static final String NAME = "linkedin";
  public static final String SEND = "send_linkedin";
  public static final String TOKEN = "token";
  public static final String AUTHOR = "author";
  /** LinkedIn's {@code YYYYMM} API version; LinkedIn sunsets a version about a year after its release. */
  public static final String API_VERSION = "api_version";
  public static final String VISIBILITY = "visibility";
  static final String RESTLI_PROTOCOL = "2.0.0";
  private static final String RESERVED = "\\|{}@[]()<>#*_~";
  private static final Set<String> VISIBILITIES = Set.of("PUBLIC", "CONNECTIONS", "LOGGED_IN");

  public LinkedInPlugin() {
    this(VendorConfig.fromEnvironment(NAME));
  }

  public LinkedInPlugin(VendorConfig config) {
    super(NAME, config, InDoubtSupport.NONE, SEND);
  }

  @Override
  public boolean compensable(String taskType) {
    return SEND.equals(taskType);
  }

  @Override
  public InDoubtSupport compensationInDoubtSupport(String taskType) {
    return SEND.equals(taskType) ? InDoubtSupport.LOOKUP : inDoubtSupport();
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    requireHandled(context);
    String token = config.require(TOKEN).get(TOKEN);
    String text = VendorPayload.text(payload, "text");
    String author = VendorPayload.optionalText(payload, "author").or(() -> config.get(AUTHOR))
        .orElseThrow(() -> new PermanentTaskException("payload field 'author' is missing and " + VendorConfig.envName(NAME, AUTHOR)
            + " is not set"));
    if (!author.startsWith("urn:li:")) {
      throw new PermanentTaskException("the post's author must be a LinkedIn URN (urn:li:person:… or urn:li:organization:…), not '"
          + author + "'");
    }
    String visibility = VendorPayload.optionalText(payload, "visibility").orElse(config.get(VISIBILITY, "PUBLIC"));
    if (!VISIBILITIES.contains(visibility)) {
      throw new PermanentTaskException("payload field 'visibility' must be one of " + String.join(", ", VISIBILITIES.stream().sorted().toList())
          + ", not '" + visibility + "'");
    }
    Map<String, Object> post = new LinkedHashMap<>();
    post.put("author", author);
    post.put("commentary", escape(text));
    post.put("visibility", visibility);
    post.put("distribution", Map.of("feedDistribution", "MAIN_FEED", "targetEntities", List.of(), "thirdPartyDistributionChannels", List.of()));
    post.put("lifecycleState", "PUBLISHED");
    post.put("isReshareDisabledByAuthor", false);
    VendorHttp.Response response = authorized(http.request(config, "POST", VendorHttp.url(base(), "rest", "posts")), token)
        .json(post)
        .send();
    String urn = response.header("x-restli-id").filter(id -> !id.isBlank())
        .orElseThrow(() -> new PermanentTaskException(NAME + ": the vendor answered HTTP " + response.status()
            + " without the post's URN (x-restli-id header); check on LinkedIn whether the post was published"));
    Map<String, Object> sent = new LinkedHashMap<>();
    sent.put("post_urn", urn);
    sent.put("author", author);
    sent.put("visibility", visibility);
    return Map.of("linkedin_post", sent);
  }

  /** Deletes the post of {@code result}; a post already deleted (404) counts as done. */
  @Override
  public Map<String, Object> compensate(String tenantId, Map<String, Object> payload, Map<String, Object> result,
                                        TaskContext context) throws TaskException {
    if (!SEND.equals(context.action())) {
      return super.compensate(tenantId, payload, result, context);
    }
    String token = config.require(TOKEN).get(TOKEN);
    String urn = VendorPayload.resultId(result, "linkedin_post", "post_urn");
    VendorHttp.Response response = authorized(http.request(config, "DELETE", VendorHttp.url(base(), "rest", "posts", urn)), token)
        .idempotent(true)
        .answerOn(404)
        .send();
    return Map.of("linkedin_post_deleted", Map.of("post_urn", urn, "already_gone", response.status() == 404));
  }

  private VendorHttp.Request authorized(VendorHttp.Request request, String token) {
    return request.bearer(token)
        .header("LinkedIn-Version", config.get(API_VERSION, "202605"))
        .header("X-Restli-Protocol-Version", RESTLI_PROTOCOL);
  }

  private String base() {
    return config.get(VendorConfig.BASE_URL, "https://api.linkedin.com");
  }

  /** {@code text} as plain "little" text: every reserved character backslash-escaped. */
  static String escape(String text) {
    StringBuilder escaped = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (RESERVED.indexOf(c) >= 0) {
        escaped.append('\\');
      }
      escaped.append(c);
    }
    return escaped.toString();
  }
}
