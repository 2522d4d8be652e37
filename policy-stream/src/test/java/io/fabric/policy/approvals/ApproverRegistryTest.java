package io.fabric.policy.approvals;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.policy.approvals.ApproverRegistry.InvalidRegistryException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApproverRegistryTest {
  @TempDir Path dir;
  private String bobKey;

  @BeforeEach
  void writeAliceKeyFile() throws Exception {
    ApproverKeys.writePublicKey(dir.resolve("alice.pub"), ApprovalFixtures.ALICE_KEYS.getPublic());
    bobKey = ApproverKeys.publicKeyBase64(ApprovalFixtures.BOB_KEYS.getPublic());
  }

  private Path registryFile(String yaml) throws Exception {
    return Files.writeString(dir.resolve("approvers.yaml"), yaml);
  }

  /** The problem a file has, without {@code approver registry FILE[:LINE]: }. */
  private String loadError(String yaml) throws Exception {
    String message = loadFailure(yaml);
    String prefix = "approver registry " + dir.resolve("approvers.yaml");
    assertTrue(message.startsWith(prefix), message);
    return message.substring(prefix.length()).replaceFirst("^(:[0-9]+)?: ", "");
  }

  /** The whole message loading a file fails with. */
  private String loadFailure(String yaml) throws Exception {
    Path file = registryFile(yaml);
    return assertThrows(InvalidRegistryException.class, () -> ApproverRegistry.load(file)).getMessage();
  }

  @Test
  void loadsKeysFromFilesRelativeToTheRegistryAndInline() throws Exception {
    Path file = registryFile("""
        approvers:
          alice: { public_key_file: alice.pub, actions: [send_whatsapp, create_charge], tenants: ["*"] }
          bob:   { public_key: "%s", actions: ["*"], tenants: [acme] }
        """.formatted(bobKey));

    ApproverRegistry registry = ApproverRegistry.load(file);

    Approver alice = registry.find("alice").orElseThrow();
    Approver bob = registry.find("bob").orElseThrow();
    assertArrayEquals(ApprovalFixtures.ALICE_KEYS.getPublic().getEncoded(), alice.publicKey().getEncoded());
    assertArrayEquals(ApprovalFixtures.BOB_KEYS.getPublic().getEncoded(), bob.publicKey().getEncoded());
    assertEquals(Set.of("send_whatsapp", "create_charge"), alice.actions());
    assertTrue(alice.mayApproveTenant("anyone"));
    assertFalse(alice.mayApproveAction("delete_account"));
    assertTrue(bob.mayApproveAction("delete_account"));
    assertTrue(bob.mayApproveTenant("acme"));
    assertFalse(bob.mayApproveTenant("globex"));
    assertTrue(registry.find("carol").isEmpty());
  }

  @Test
  void listsWhoMayApproveARequest() throws Exception {
    ApproverRegistry registry = ApproverRegistry.load(registryFile("""
        approvers:
          alice: { public_key_file: alice.pub, actions: [send_whatsapp], tenants: ["*"] }
          bob:   { public_key: "%s", actions: ["*"], tenants: [acme] }
        """.formatted(bobKey)));

    assertEquals(List.of("alice", "bob"), registry.approversFor("acme", "send_whatsapp").stream().map(Approver::name).toList());
    assertEquals(List.of("bob"), registry.approversFor("acme", "create_charge").stream().map(Approver::name).toList());
    assertEquals(List.of(), registry.approversFor("globex", "create_charge"));
  }

  @Test
  void anEmptyApproverListIsAnEmptyRegistry() throws Exception {
    assertEquals(0, ApproverRegistry.load(registryFile("approvers:\n")).size());
  }

  @Test
  void missingFile() {
    Path file = dir.resolve("nope.yaml");

    InvalidRegistryException e = assertThrows(InvalidRegistryException.class, () -> ApproverRegistry.load(file));

    assertEquals("approver registry " + file + ": file not found", e.getMessage());
  }

  @Test
  void notYaml() throws Exception {
    assertTrue(loadError("approvers: {alice: [").startsWith("not valid YAML: "));
  }

  @Test
  void emptyFileOrNoApproversKey() throws Exception {
    assertEquals("empty file; expected a top-level 'approvers:' mapping", loadError(""));
    assertEquals("expected a top-level 'approvers:' mapping", loadError("approver:\n  alice: {}\n"));
    assertEquals("expected a top-level 'approvers:' mapping", loadError("- alice\n"));
  }

  @Test
  void unknownKeysAreTyposNotSilentlyIgnored() throws Exception {
    assertEquals("unknown top-level key 'version' (only 'approvers' is allowed)",
        loadError("version: 1\napprovers:\n"));
    assertEquals("approver 'alice': unknown key 'tenant' (allowed: public_key, public_key_file, actions, tenants)",
        loadError("approvers:\n  alice: { public_key_file: alice.pub, actions: [\"*\"], tenant: [acme] }\n"));
  }

  @Test
  void duplicateApproverIsRefusedWithFileAndLine() throws Exception {
    // Given a registry that lists alice twice, the second time with a wider scope
    String message = loadFailure("""
        approvers:
          alice: { public_key_file: alice.pub, actions: [send_whatsapp], tenants: [acme] }
          alice: { public_key_file: alice.pub, actions: ["*"], tenants: ["*"] }
        """);

    // Then loading names the file, the second entry's line and the key
    assertTrue(message.startsWith("approver registry " + dir.resolve("approvers.yaml")
        + ":3: duplicate key 'alice' in approvers (first at line 2)"), message);
  }

  @Test
  void aDuplicateKeyInsideAnApproverIsRefused() throws Exception {
    String message = loadFailure("""
        approvers:
          alice:
            public_key_file: alice.pub
            actions: [send_whatsapp]
            tenants: [acme]
            actions: ["*"]
        """);

    assertTrue(message.startsWith("approver registry " + dir.resolve("approvers.yaml")
        + ":6: duplicate key 'actions' in approvers.alice (first at line 4)"), message);
  }

  @Test
  void unknownKeysNameTheirLine() throws Exception {
    Path file = dir.resolve("approvers.yaml");
    assertEquals("approver registry " + file + ":1: unknown top-level key 'version' (only 'approvers' is allowed)",
        loadFailure("version: 1\napprovers:\n"));
    assertEquals("approver registry " + file + ":5: approver 'alice': unknown key 'tenant' (allowed: public_key, public_key_file,"
            + " actions, tenants)",
        loadFailure("approvers:\n  alice:\n    public_key_file: alice.pub\n    actions: [\"*\"]\n    tenant: [acme]\n"));
  }

  @Test
  void onePublicKeyUnderTwoNamesIsRefusedNamingBoth() throws Exception {
    // Given alice's key registered again as "alice2", so alice alone could give two approvals
    String message = loadFailure("""
        approvers:
          alice:  { public_key_file: alice.pub, actions: [create_charge], tenants: ["*"] }
          bob:    { public_key: "%s", actions: ["*"], tenants: [acme] }
          alice2: { public_key_file: alice.pub, actions: ["*"], tenants: ["*"] }
        """.formatted(bobKey));

    // Then loading refuses it, naming both approvers and the second one's line
    assertEquals("approver registry " + dir.resolve("approvers.yaml") + ":4: approvers 'alice' and 'alice2' have the same public key:"
        + " one person could satisfy a quorum alone; give each approver their own key", message);
  }

  @Test
  void aRegistryBuiltInCodeRefusesOneKeyUnderTwoNamesToo() {
    Approver alias = new Approver("alias", ApprovalFixtures.ALICE_KEYS.getPublic(), Set.of("*"), Set.of("*"));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ApproverRegistry.of(ApprovalFixtures.ALICE, alias));

    assertTrue(e.getMessage().startsWith("approvers 'alice' and 'alias' have the same public key"), e.getMessage());
  }

  @Test
  void anApproversProblemNamesItsLine() throws Exception {
    assertEquals("approver registry " + dir.resolve("approvers.yaml") + ":3: approver 'bob': 'tenants' is missing (use [\"*\"] for any)",
        loadFailure("approvers:\n  alice: { public_key_file: alice.pub, actions: [\"*\"], tenants: [\"*\"] }\n"
            + "  bob: { public_key: \"%s\", actions: [\"*\"] }\n".formatted(bobKey)));
  }

  @Test
  void exactlyOneKeySource() throws Exception {
    assertEquals("approver 'alice': give exactly one of public_key and public_key_file",
        loadError("approvers:\n  alice: { actions: [\"*\"], tenants: [\"*\"] }\n"));
    assertEquals("approver 'alice': give exactly one of public_key and public_key_file",
        loadError("approvers:\n  alice: { public_key_file: alice.pub, public_key: \"%s\", actions: [\"*\"], tenants: [\"*\"] }\n"
            .formatted(bobKey)));
  }

  @Test
  void keyFileMissingOrWrong() throws Exception {
    assertEquals("approver 'alice': public_key_file " + dir.resolve("gone.pub") + " not found",
        loadError("approvers:\n  alice: { public_key_file: gone.pub, actions: [\"*\"], tenants: [\"*\"] }\n"));

    ApproverKeys.writePrivateKey(dir.resolve("alice.key"), ApprovalFixtures.ALICE_KEYS.getPrivate());
    assertEquals("approver 'alice': " + dir.resolve("alice.key") + ": expected a PEM PUBLIC KEY but found a PEM PRIVATE KEY",
        loadError("approvers:\n  alice: { public_key_file: alice.key, actions: [\"*\"], tenants: [\"*\"] }\n"));
  }

  @Test
  void inlineKeyThatIsNotAKey() throws Exception {
    String problem = loadError("approvers:\n  bob: { public_key: \"MCowBQYDK2Vw\", actions: [\"*\"], tenants: [\"*\"] }\n");

    assertTrue(problem.startsWith("approver 'bob': public_key: not an Ed25519 public key"), problem);
  }

  @Test
  void scopeMustBeExplicitAndNonEmpty() throws Exception {
    assertEquals("approver 'alice': 'tenants' is missing (use [\"*\"] for any)",
        loadError("approvers:\n  alice: { public_key_file: alice.pub, actions: [\"*\"] }\n"));
    assertEquals("approver 'alice': 'actions' must be a non-empty list (use [\"*\"] for any)",
        loadError("approvers:\n  alice: { public_key_file: alice.pub, actions: [], tenants: [\"*\"] }\n"));
    assertEquals("approver 'alice': 'actions' must be a non-empty list (use [\"*\"] for any)",
        loadError("approvers:\n  alice: { public_key_file: alice.pub, actions: send_whatsapp, tenants: [\"*\"] }\n"));
    assertEquals("approver 'alice': 'tenants' must list non-empty strings, found {\"a\":1}",
        loadError("approvers:\n  alice: { public_key_file: alice.pub, actions: [\"*\"], tenants: [{a: 1}] }\n"));
  }

  @Test
  void approverEntryMustBeAMappingWithAValidName() throws Exception {
    assertTrue(loadError("approvers:\n  alice: alice.pub\n").startsWith("approver 'alice': expected a mapping"));
    assertTrue(loadError("approvers:\n  \"../eve\": { public_key_file: alice.pub, actions: [\"*\"], tenants: [\"*\"] }\n")
        .startsWith("approver '../eve': invalid name"));
  }
}
