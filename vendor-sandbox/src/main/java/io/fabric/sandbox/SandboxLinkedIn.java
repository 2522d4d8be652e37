package io.fabric.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.sandbox.SandboxHttp.Reply;
import io.fabric.sandbox.SandboxHttp.Request;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;

/**
 * LinkedIn's Posts API as the sandbox plays it: {@code POST /rest/posts} needs the
 * {@code LinkedIn-Version} and {@code X-Restli-Protocol-Version: 2.0.0} headers, answers 201 with no
 * body and the post's URN in {@code x-restli-id}; {@code DELETE /rest/posts/{urn}} answers 204, or
 * 404 once the post is gone.
 */
final class SandboxLinkedIn {
  private static final List<String> REQUIRED = List.of("author", "commentary", "visibility", "distribution", "lifecycleState");
  private final String token;
  private final SandboxLedger ledger;
  private final Map<String, ObjectNode> posts = new LinkedHashMap<>();
  private long sequence = 7_100_000_000_000_000_000L;

  SandboxLinkedIn(String token, SandboxLedger ledger) {
    this.token = token;
    this.ledger = ledger;
  }

  synchronized Reply create(Request request, Matcher path) {
    Optional<Reply> refused = refuse(request);
    if (refused.isPresent()) {
      return refused.get();
    }
    Optional<ObjectNode> body = request.jsonObject();
    if (body.isEmpty()) {
      return error(400, "ILLEGAL_ARGUMENT", "Request body could not be converted to data map");
    }
    StringBuilder missing = new StringBuilder();
    for (String field : REQUIRED) {
      if (!body.get().hasNonNull(field)) {
        missing.append("ERROR :: /").append(field).append(" :: field is required but not found and has no default value\n");
      }
    }
    if (!missing.isEmpty()) {
      return error(422, null, missing.toString());
    }
    JsonNode author = body.get().get("author");
    if (!author.asText("").matches("urn:li:(person|organization):[A-Za-z0-9_-]+")) {
      return error(422, null, "ERROR :: /author :: \"" + author.asText("") + "\" is not a valid person or organization URN\n");
    }
    String urn = "urn:li:share:" + (++sequence);
    posts.put(urn, body.get());
    ledger.effect(VendorSandbox.LINKEDIN_POST);
    return Reply.empty(201).withHeader("x-restli-id", urn);
  }

  synchronized Reply delete(Request request, Matcher path) {
    Optional<Reply> refused = refuse(request);
    if (refused.isPresent()) {
      return refused.get();
    }
    String urn = URLDecoder.decode(path.group(1), StandardCharsets.UTF_8);
    if (posts.remove(urn) == null) {
      return error(404, "NOT_FOUND", "Not Found: " + urn);
    }
    ledger.effect(VendorSandbox.LINKEDIN_POST_DELETE);
    return Reply.empty(204);
  }

  private Optional<Reply> refuse(Request request) {
    if (!request.authorizedBy("Bearer " + token)) {
      return Optional.of(error(401, "REVOKED_ACCESS_TOKEN", "The token used in the request has been revoked by the user"));
    }
    if (!request.header("LinkedIn-Version").orElse("").matches("20[0-9]{4}")) {
      return Optional.of(error(400, "VERSION_MISSING", "A version must be present. Please specify a version by adding the LinkedIn-Version header."));
    }
    if (!"2.0.0".equals(request.header("X-Restli-Protocol-Version").orElse(""))) {
      return Optional.of(error(400, "ILLEGAL_ARGUMENT", "The Posts API requires X-Restli-Protocol-Version: 2.0.0"));
    }
    return Optional.empty();
  }

  private static Reply error(int status, String code, String message) {
    ObjectNode body = SandboxHttp.object();
    body.put("status", status);
    if (code != null) {
      body.put("code", code);
    }
    body.put("message", message);
    return Reply.json(status, body);
  }
}
