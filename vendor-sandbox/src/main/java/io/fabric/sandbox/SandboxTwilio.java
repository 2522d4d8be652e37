package io.fabric.sandbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.sandbox.SandboxHttp.Reply;
import io.fabric.sandbox.SandboxHttp.Request;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * A Twilio-style calls API as the sandbox plays it: created calls stay {@code queued} (nobody
 * answers in a sandbox), so {@code Status=canceled} cancels them as Twilio does before answer.
 */
final class SandboxTwilio {
  private static final Set<String> NOT_ANSWERED = Set.of("queued", "ringing");
  private final String accountSid;
  private final String authToken;
  private final SandboxLedger ledger;
  private final Map<String, ObjectNode> calls = new HashMap<>();

  SandboxTwilio(String accountSid, String authToken, SandboxLedger ledger) {
    this.accountSid = accountSid;
    this.authToken = authToken;
    this.ledger = ledger;
  }

  synchronized Reply create(Request request, Matcher path) {
    if (!authorized(request, path.group(1))) {
      return error(401, 20003, "Authenticate");
    }
    Map<String, String> form = request.form();
    String to = form.getOrDefault("To", "");
    if (!to.matches("\\+?[0-9]{8,15}")) {
      return error(400, 21211, "The 'To' number " + to + " is not a valid phone number.");
    }
    if (form.getOrDefault("From", "").isBlank()) {
      return error(400, 21603, "A 'From' phone number is required.");
    }
    if (form.getOrDefault("Url", "").isBlank() && form.getOrDefault("Twiml", "").isBlank()) {
      return error(400, 21205, "Url parameter is required.");
    }
    String sid = String.format("CA%032x", calls.size() + 1);
    ObjectNode call = SandboxHttp.object();
    call.put("sid", sid);
    call.put("account_sid", accountSid);
    call.put("to", to);
    call.put("from", form.get("From"));
    call.put("status", "queued");
    call.put("direction", "outbound-api");
    call.put("date_created", DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)));
    call.put("uri", "/2010-04-01/Accounts/" + accountSid + "/Calls/" + sid + ".json");
    calls.put(sid, call);
    ledger.effect(VendorSandbox.CALL);
    return Reply.json(201, call);
  }

  synchronized Reply update(Request request, Matcher path) {
    if (!authorized(request, path.group(1))) {
      return error(401, 20003, "Authenticate");
    }
    ObjectNode call = calls.get(path.group(2));
    if (call == null) {
      return error(404, 20404, "The requested resource /2010-04-01/Accounts/" + path.group(1) + "/Calls/" + path.group(2)
          + ".json was not found");
    }
    if (request.method().equals("POST")) {
      String status = request.form().getOrDefault("Status", "");
      String current = call.get("status").asText();
      if (status.equals("canceled") && NOT_ANSWERED.contains(current)) {
        call.put("status", "canceled");
        ledger.effect(VendorSandbox.CALL_CANCEL);
      } else if (status.equals("completed") && (current.equals("in-progress") || NOT_ANSWERED.contains(current))) {
        call.put("status", "completed");
      } else if (!status.equals("canceled") && !status.equals("completed") && !status.isEmpty()) {
        return error(400, 21218, "Invalid call status " + status);
      }
    }
    return Reply.json(200, call);
  }

  private boolean authorized(Request request, String pathSid) {
    return accountSid.equals(pathSid)
        && request.authorizedBy(SandboxHttp.basicAuth(accountSid, authToken));
  }

  private static Reply error(int status, int code, String message) {
    ObjectNode body = SandboxHttp.object();
    body.put("code", code);
    body.put("message", message);
    body.put("more_info", "https://www.twilio.com/docs/errors/" + code);
    body.put("status", status);
    return Reply.json(status, body);
  }
}
