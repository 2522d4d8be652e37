package io.fabric.audit.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric.audit.chain.ChainHash;
import io.fabric.audit.evidence.EvidenceVerifier.Check;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * What the offline checks cannot do: tie a pack to what happened. Each item names the topic, partition and
 * offset it was read from, and each chain head the offset of its partition's last record; this compares
 * them with the records the live topics hold there now, byte for byte (chain heads by their hash). A pack
 * made up from nothing, or one record of it swapped for another that verifies offline, fails here while the
 * topics still hold the records; a record the topic no longer retains is reported as not checked.
 */
public final class LiveRecordCheck {
  /** The record at an offset of a live topic, as a read_committed reader sees it. */
  public sealed interface Live {
    record Found(byte[] value) implements Live {}

    /** Below the partition's log start: deleted by retention (or deleteRecords). */
    record NotRetained(long logStart) implements Live {}

    /** No record there: past the end, a transaction marker, aborted, or compacted away. */
    record Absent() implements Live {}
  }

  /** Reads the live record at an offset. */
  @FunctionalInterface
  public interface LiveRecords {
    Live at(String topic, int partition, long offset);
  }

  private LiveRecordCheck() {}

  public static List<Check> check(JsonNode pack, LiveRecords live) {
    List<Check> checks = new ArrayList<>();
    int index = 0;
    for (JsonNode item : pack.path("items")) {
      String subject = "item " + index++ + " live (" + item.path("kind").asText() + " " + item.path("topic").asText() + " "
          + item.path("partition").asText() + "@" + item.path("offset").asText() + ")";
      if (!item.hasNonNull("topic") || !item.has("partition") || !item.has("offset")) {
        // the exporter derives requests from the decisions that carry them, and tokens attached to a request
        boolean derived = item.hasNonNull("from") && ("request".equals(item.path("kind").asText()) || "approval".equals(item.path("kind").asText()));
        checks.add(new Check(derived, subject, derived ? "not read from a topic (" + item.path("from").asText() + "): tied to the topics "
            + "through the item that carries it" : "the item names no topic position, so it cannot be checked against the topics"));
        continue;
      }
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(item.path("bytes").asText());
      } catch (IllegalArgumentException e) {
        checks.add(new Check(false, subject, "its bytes are not base64"));
        continue;
      }
      Live found = live.at(item.path("topic").asText(), item.path("partition").asInt(), item.path("offset").asLong());
      checks.add(compare(subject, found, ChainHash.sha256(bytes), "the same bytes"));
    }
    String chainTopic = pack.path("chain_topic").asText();
    for (JsonNode head : pack.path("chain_heads")) {
      if (!head.has("offset")) {
        continue;
      }
      String subject = "chain head live (" + chainTopic + " " + head.path("partition").asText() + "@" + head.path("offset").asText() + ")";
      Live found = live.at(chainTopic, head.path("partition").asInt(), head.path("offset").asLong());
      if (found instanceof Live.Found f) {
        String liveHash;
        try {
          liveHash = ChainHash.hex(new io.fabric.audit.chain.AuditChainReader.StoredRecord(0, 0, null, f.value(), 0).chained().getHash());
        } catch (RuntimeException e) {
          checks.add(new Check(false, subject, "the live record there is not a chained audit event"));
          continue;
        }
        boolean same = liveHash.equals(head.path("hash").asText());
        checks.add(new Check(same, subject, same ? "the live chain holds this head: the pack's audit records are on the chain the fabric wrote"
            : "the live chain holds another record there (hash " + liveHash.substring(0, 16) + "…): the pack's chain is not the live one"));
      } else {
        checks.add(compare(subject, found, null, null));
      }
    }
    return checks;
  }

  private static Check compare(String subject, Live found, byte[] packSha256, String what) {
    if (found instanceof Live.NotRetained gone) {
      return new Check(true, subject, "no longer retained (the log starts at " + gone.logStart() + "): not checked");
    }
    if (found instanceof Live.Absent) {
      return new Check(false, subject, "the live topic holds no record there: the pack names a record the fabric never wrote (or it was "
          + "compacted away)");
    }
    byte[] live = ((Live.Found) found).value();
    boolean same = live != null && java.util.Arrays.equals(ChainHash.sha256(live), packSha256);
    return new Check(same, subject, same ? "the live topic holds " + what + ": this record is the one the fabric wrote there"
        : "the live topic holds different bytes there: this record is not the one the fabric wrote");
  }
}
