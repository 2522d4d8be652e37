package io.fabric.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.sandbox.SandboxHttp.Reply;
import io.fabric.sandbox.SandboxHttp.Request;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * The WordPress REST API's posts as the sandbox plays it, for a site that exposes the
 * {@code fabric_idempotency_key} post meta and filters by {@code meta_key}/{@code meta_value} (what
 * the cms plugin's README section asks of a site): create, list (by status and meta), trash on
 * {@code DELETE}, 410 {@code rest_already_trashed} for a post already in the trash.
 */
final class SandboxWordPress {
  private static final Set<String> STATUSES = Set.of("publish", "future", "draft", "pending", "private");
  private final String user;
  private final String password;
  private final String siteUrl;
  private final SandboxLedger ledger;
  private final Map<Long, ObjectNode> posts = new LinkedHashMap<>();
  private long nextId = 101;

  SandboxWordPress(String user, String password, String siteUrl, SandboxLedger ledger) {
    this.user = user;
    this.password = password;
    this.siteUrl = siteUrl;
    this.ledger = ledger;
  }

  /** POST creates a post; GET lists posts, filtered by {@code status} and {@code meta_key}/{@code meta_value}. */
  synchronized Reply posts(Request request, Matcher path) {
    if (!request.authorizedBy(SandboxHttp.basicAuth(user, password))) {
      return error(401, "rest_cannot_create", "Sorry, you are not allowed to create posts as this user.");
    }
    return request.method().equals("GET") ? list(request) : create(request);
  }

  /** DELETE moves a post to the trash (or deletes it with {@code force=true}). */
  synchronized Reply post(Request request, Matcher path) {
    if (!request.authorizedBy(SandboxHttp.basicAuth(user, password))) {
      return error(401, "rest_cannot_delete", "Sorry, you are not allowed to delete this post.");
    }
    ObjectNode post = posts.get(Long.parseLong(path.group(1)));
    if (post == null) {
      return error(404, "rest_post_invalid_id", "Invalid post ID.");
    }
    if (request.method().equals("GET")) {
      return Reply.json(200, post);
    }
    if ("true".equals(request.queryParams().get("force"))) {
      posts.remove(post.get("id").asLong());
      return Reply.json(200, SandboxHttp.object().put("deleted", true).set("previous", post));
    }
    if ("trash".equals(post.get("status").asText())) {
      return error(410, "rest_already_trashed", "The post has already been deleted.");
    }
    post.put("status", "trash");
    ledger.effect(VendorSandbox.CMS_POST_TRASH);
    return Reply.json(200, post);
  }

  private Reply create(Request request) {
    Optional<ObjectNode> body = request.jsonObject();
    if (body.isEmpty()) {
      return error(400, "rest_invalid_json", "Invalid JSON body passed.");
    }
    JsonNode given = body.get();
    String title = text(given.path("title"));
    String content = text(given.path("content"));
    if (title.isBlank() && content.isBlank() && text(given.path("excerpt")).isBlank()) {
      return error(400, "empty_content", "Content, title, and excerpt are empty.");
    }
    String status = given.path("status").asText("draft");
    if (!STATUSES.contains(status)) {
      return error(400, "rest_invalid_param", "Invalid parameter(s): status");
    }
    long id = nextId++;
    ObjectNode post = SandboxHttp.object();
    post.put("id", id);
    post.put("status", status);
    post.put("type", "post");
    post.put("slug", given.path("slug").asText(title.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-")));
    post.put("link", siteUrl + "/?p=" + id);
    post.putObject("title").put("raw", title).put("rendered", title);
    post.putObject("content").put("raw", content).put("rendered", "<p>" + content + "</p>\n").put("protected", false);
    post.set("meta", given.path("meta").isObject() ? given.get("meta").deepCopy() : SandboxHttp.object());
    posts.put(id, post);
    ledger.effect(VendorSandbox.CMS_POST);
    return Reply.json(201, post);
  }

  private Reply list(Request request) {
    Map<String, String> query = request.queryParams();
    Set<String> statuses = Set.of(Arrays.stream(query.getOrDefault("status", "publish").split(",")).map(String::strip).toArray(String[]::new));
    String metaKey = query.get("meta_key");
    String metaValue = query.get("meta_value");
    ArrayNode found = SandboxHttp.JSON.createArrayNode();
    for (ObjectNode post : posts.values()) {
      boolean statusMatches = statuses.contains(post.get("status").asText());
      boolean metaMatches = metaKey == null || (metaValue != null && metaValue.equals(post.path("meta").path(metaKey).asText(null)));
      if (statusMatches && metaMatches) {
        found.add(post);
      }
    }
    return Reply.json(200, found);
  }

  /** A title or content is a string, or {@code {"raw": …}} as the block editor sends it. */
  private static String text(JsonNode node) {
    return node.isObject() ? node.path("raw").asText("") : node.asText("");
  }

  private static Reply error(int status, String code, String message) {
    ObjectNode body = SandboxHttp.object();
    body.put("code", code);
    body.put("message", message);
    body.putObject("data").put("status", status);
    return Reply.json(status, body);
  }
}
