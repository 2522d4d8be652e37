package io.fabric.schemas.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.SchemaRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/kafka-contract.md} is what a producer in another language builds against, so its facts
 * must be the code's: the parts derived from the catalog, the schemas and the statement are
 * regenerated here and compared with the committed file. After an intended change, refresh them
 * with {@code mvn -B -pl schemas test -Dtest=KafkaContractDocumentTest -DupdateSnapshots=true} and
 * check that the prose around them still holds.
 */
class KafkaContractDocumentTest {
  private static final Path DOCUMENT = Path.of("..", "docs", "kafka-contract.md");

  @Test
  void theCommittedContractMatchesTheCode() throws Exception {
    String committed = Files.readString(DOCUMENT);
    String regenerated = KafkaContractDocument.regenerate(committed);
    if (Boolean.getBoolean("updateSnapshots")) {
      Files.writeString(DOCUMENT, regenerated);
      committed = regenerated;
    }
    List<String> stale = new ArrayList<>();
    for (String id : KafkaContractDocument.partIds(committed)) {
      if (!block(committed, id).equals(block(regenerated, id))) {
        stale.add(id);
      }
    }
    assertEquals(List.of(), stale, "docs/kafka-contract.md no longer matches the code in these parts; check the prose around them, "
        + "then run mvn -B -pl schemas test -Dtest=KafkaContractDocumentTest -DupdateSnapshots=true");
    assertEquals(regenerated, committed);
  }

  @Test
  void theContractHasEveryGeneratedPart() throws Exception {
    assertEquals(List.copyOf(KafkaContractDocument.parts().keySet()), KafkaContractDocument.partIds(Files.readString(DOCUMENT)),
        "each generated part appears once, in this order");
  }

  @Test
  void aChangedFactIsCaught() throws Exception {
    String committed = Files.readString(DOCUMENT);
    String tampered = committed.replaceFirst("`fabric.tasks.ingress`", "`fabric.tasks.inbox`");

    assertTrue(!tampered.equals(committed) && !KafkaContractDocument.regenerate(tampered).equals(tampered));
  }

  @Test
  void aPartNobodyGeneratesIsRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> KafkaContractDocument.regenerate("<!-- generated:nothing -->\nx\n<!-- end generated:nothing -->"));
  }

  @Test
  void theHeaderIsTheMarkerAndTheLittleEndianFingerprint() {
    TaskRequest request = KafkaContractDocument.vectorRequest();
    byte[] record = AvroSerde.of(TaskRequest.class).serialize("t", request);
    long fingerprint = SchemaRepository.fingerprint(AvroSerde.schemaOf(TaskRequest.class));

    assertEquals(Arrays.toString(KafkaContractDocument.header(fingerprint)), Arrays.toString(Arrays.copyOf(record, 10)));
  }

  @Test
  void theKcatExampleWritesTheHeaderOfTheSchemaWrittenToday() throws Exception {
    String script = Files.readString(Path.of("..", "examples", "kcat", "submit.sh"));
    Matcher header = Pattern.compile("HEADER='([^']*)'").matcher(script);
    assertTrue(header.find(), "examples/kcat/submit.sh sets HEADER");
    StringBuilder expected = new StringBuilder();
    for (byte b : KafkaContractDocument.header(SchemaRepository.fingerprint(AvroSerde.schemaOf(TaskRequest.class)))) {
      expected.append("\\x").append(HexFormat.of().toHexDigits(b));
    }

    assertEquals(expected.toString(), header.group(1),
        "TaskRequest changed: put its new header (docs/kafka-contract.md, fingerprints) and any new field in examples/kcat/submit.sh");
  }

  private static String block(String document, String id) {
    String start = "<!-- generated:" + id + " -->";
    int from = document.indexOf(start);
    return document.substring(from, document.indexOf("<!-- end generated:" + id + " -->", from));
  }
}
