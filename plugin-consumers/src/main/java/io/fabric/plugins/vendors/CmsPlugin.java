package io.fabric.plugins.vendors;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code publish_content}: a post through the WordPress REST API ({@code POST /wp-json/wp/v2/posts},
 * HTTP Basic with a user's application password). WordPress takes no idempotency key, so each post
 * carries the step's key in a post meta field ({@value #DEFAULT_KEY_FIELD} by default); a repeated
 * attempt (in doubt, or after a lost response) first lists the posts with that meta value and returns
 * the one it finds instead of publishing a second ({@link InDoubtSupport#LOOKUP}). The site must
 * expose the field: {@code register_post_meta('post', 'fabric_idempotency_key', ['show_in_rest' =>
 * true, 'single' => true, 'type' => 'string'])}, and let the posts endpoint filter by
 * {@code meta_key}/{@code meta_value} (a {@code rest_post_query} filter); a found post is taken only
 * if its meta really holds the key, so a site without the filter can at worst publish twice, never
 * adopt someone else's post. Compensation moves the post to the trash ({@code DELETE} without
 * {@code force}, so an editor can restore it); a post already in the trash (410) counts as done.
 *
 * <p>Payload: {@code title}, {@code content}, optional {@code status} ({@value #STATUSES_TEXT};
 * default the configured {@code post_status}), {@code excerpt}, {@code slug}. Result:
 * {@code cms_post: {id, link, status, recovered}}.
 */
public final class CmsPlugin extends VendorPlugin {
  public static final String NAME = "cms";
  public static final String PUBLISH = "publish_content";
  public static final String USER = "user";
  /** The user's application password (Users → Profile → Application Passwords), not their login password. */
  public static final String PASSWORD = "password";
  public static final String POST_STATUS = "post_status";
  public static final String KEY_META_FIELD = "key_meta_field";
  static final String DEFAULT_KEY_FIELD = "fabric_idempotency_key";
  static final String STATUSES_TEXT = "publish, draft, pending, private, future";
  private static final Set<String> STATUSES = Set.of(STATUSES_TEXT.split(", "));
  /** Meta keys are at most 255 characters; values are longtext, but a bounded key keeps the look-up's URL short. */
  private static final int MAX_KEY_LENGTH = 191;

  public CmsPlugin() {
    this(VendorConfig.fromEnvironment(NAME));
  }

  public CmsPlugin(VendorConfig config) {
    super(NAME, config, InDoubtSupport.LOOKUP, PUBLISH);
  }

  @Override
  public boolean compensable(String taskType) {
    return PUBLISH.equals(taskType);
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    requireHandled(context);
    Map<String, String> settings = config.require(VendorConfig.BASE_URL, USER, PASSWORD);
    String title = VendorPayload.text(payload, "title");
    String content = VendorPayload.text(payload, "content");
    String status = VendorPayload.optionalText(payload, "status").orElse(config.get(POST_STATUS, "publish"));
    if (!STATUSES.contains(status)) {
      throw new PermanentTaskException("payload field 'status' must be one of " + STATUSES_TEXT + ", not '" + status + "'");
    }
    String field = config.get(KEY_META_FIELD, DEFAULT_KEY_FIELD);
    String key = IdempotencyKeys.fit(context.idempotencyKey(), MAX_KEY_LENGTH);

    Optional<JsonNode> earlier = context.inDoubt() || context.attempt() > 1 ? findByKey(settings, field, key) : Optional.empty();
    if (earlier.isPresent()) {
      return Map.of("cms_post", postResult(earlier.get(), status, true));
    }
    Map<String, Object> post = new LinkedHashMap<>();
    post.put("title", title);
    post.put("content", content);
    post.put("status", status);
    VendorPayload.optionalText(payload, "excerpt").ifPresent(excerpt -> post.put("excerpt", excerpt));
    VendorPayload.optionalText(payload, "slug").ifPresent(slug -> post.put("slug", slug));
    post.put("meta", Map.of(field, key));
    VendorHttp.Response response = http.request(config, "POST", posts(settings))
        .basic(settings.get(USER), settings.get(PASSWORD))
        .json(post)
        // a repeat looks the post up first (above), so a lost response may be retried
        .idempotent(true)
        .send();
    response.requireText(NAME, "a post id", "id");
    return Map.of("cms_post", postResult(response.json(), status, false));
  }

  /** Moves the post of {@code result} to the trash; one already there (410 rest_already_trashed) counts as done. */
  @Override
  public Map<String, Object> compensate(String tenantId, Map<String, Object> payload, Map<String, Object> result,
                                        TaskContext context) throws TaskException {
    if (!PUBLISH.equals(context.action())) {
      return super.compensate(tenantId, payload, result, context);
    }
    Map<String, String> settings = config.require(VendorConfig.BASE_URL, USER, PASSWORD);
    String id = postId(result);
    VendorHttp.Response response = http.request(config, "DELETE", posts(settings) + "/" + VendorHttp.pathSegment(id))
        .basic(settings.get(USER), settings.get(PASSWORD))
        .idempotent(true)
        .answerOn(410)
        .send();
    return Map.of("cms_post_trashed", Map.of("id", id, "status", response.status() == 410 ? "trash" : response.text("status").orElse("trash"),
        "already_trashed", response.status() == 410));
  }

  private Optional<JsonNode> findByKey(Map<String, String> settings, String field, String key) throws TaskException {
    String query = new VendorHttp.Form()
        .add("meta_key", field)
        .add("meta_value", key)
        .add("status", "publish,future,draft,pending,private")
        .add("_fields", "id,link,status,meta")
        .encode();
    VendorHttp.Response found = http.request(config, "GET", posts(settings) + "?" + query)
        .basic(settings.get(USER), settings.get(PASSWORD))
        .idempotent(true)
        .send();
    for (JsonNode post : found.json()) {
      if (key.equals(post.path("meta").path(field).asText(null)) && post.path("id").canConvertToLong()) {
        return Optional.of(post);
      }
    }
    return Optional.empty();
  }

  private static Map<String, Object> postResult(JsonNode post, String requestedStatus, boolean recovered) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("id", post.path("id").asText());
    if (post.path("link").isTextual()) {
      result.put("link", post.path("link").asText());
    }
    result.put("status", post.path("status").asText(requestedStatus));
    result.put("recovered", recovered);
    return result;
  }

  private static String postId(Map<String, Object> result) throws PermanentTaskException {
    if (result != null && result.get("cms_post") instanceof Map<?, ?> post && post.get("id") != null
        && String.valueOf(post.get("id")).matches("[0-9]+")) {
      return String.valueOf(post.get("id"));
    }
    throw new PermanentTaskException("the step's result has no cms_post.id, so there is nothing to compensate");
  }

  private static String posts(Map<String, String> settings) {
    return VendorHttp.url(settings.get(VendorConfig.BASE_URL), "wp-json", "wp", "v2", "posts");
  }
}
