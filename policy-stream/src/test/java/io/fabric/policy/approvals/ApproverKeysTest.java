package io.fabric.policy.approvals;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApproverKeysTest {
  @TempDir Path dir;

  @Test
  void generatedKeyFilesRoundTripAndSignVerify() throws Exception {
    ApproverKeys.KeyFiles files = ApproverKeys.generate("alice", dir.resolve("keys"));

    assertEquals(dir.resolve("keys/alice.key"), files.privateKeyFile());
    assertEquals(dir.resolve("keys/alice.pub"), files.publicKeyFile());
    PrivateKey privateKey = ApproverKeys.readPrivateKey(files.privateKeyFile());
    PublicKey publicKey = ApproverKeys.readPublicKey(files.publicKeyFile());
    Signature signer = Signature.getInstance("Ed25519");
    signer.initSign(privateKey);
    signer.update(new byte[] {42});
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(publicKey);
    verifier.update(new byte[] {42});
    assertTrue(verifier.verify(signature));
  }

  @Test
  void filesArePemWithStandardLabels() throws Exception {
    ApproverKeys.KeyFiles files = ApproverKeys.generate("alice", dir);

    String privatePem = Files.readString(files.privateKeyFile());
    String publicPem = Files.readString(files.publicKeyFile());
    assertTrue(privatePem.startsWith("-----BEGIN PRIVATE KEY-----\n"), privatePem);
    assertTrue(privatePem.endsWith("\n-----END PRIVATE KEY-----\n"), privatePem);
    assertTrue(publicPem.startsWith("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA"), publicPem);
    assertTrue(publicPem.endsWith("\n-----END PUBLIC KEY-----\n"), publicPem);
  }

  @Test
  void privateKeyIsOwnerOnlyWhereTheFileSystemSaysSo() throws Exception {
    ApproverKeys.KeyFiles files = ApproverKeys.generate("alice", dir);

    if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
      assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
          Files.getPosixFilePermissions(files.privateKeyFile()));
    }
  }

  @Test
  void neverOverwritesAnExistingKey() throws Exception {
    ApproverKeys.KeyFiles first = ApproverKeys.generate("alice", dir);
    byte[] before = Files.readAllBytes(first.privateKeyFile());

    assertThrows(FileAlreadyExistsException.class, () -> ApproverKeys.generate("alice", dir));
    assertArrayEquals(before, Files.readAllBytes(first.privateKeyFile()));
  }

  @Test
  void refusesNamesThatAreNotSafeFileNames() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ApproverKeys.generate("../eve", dir));

    assertTrue(e.getMessage().startsWith("invalid approver name '../eve'"), e.getMessage());
  }

  @Test
  void publicKeyParsesFromBareBase64AsInTheRegistry() {
    PublicKey key = ApprovalFixtures.ALICE_KEYS.getPublic();

    PublicKey parsed = ApproverKeys.parsePublicKey(ApproverKeys.publicKeyBase64(key), "test");

    assertArrayEquals(key.getEncoded(), parsed.getEncoded());
  }

  @Test
  void readingAPrivateKeyAsPublicSaysSo() throws Exception {
    ApproverKeys.KeyFiles files = ApproverKeys.generate("alice", dir);

    IOException e = assertThrows(IOException.class, () -> ApproverKeys.readPublicKey(files.privateKeyFile()));

    assertEquals(files.privateKeyFile() + ": expected a PEM PUBLIC KEY but found a PEM PRIVATE KEY", e.getMessage());
  }

  @Test
  void missingAndGarbledFilesFailWithTheFileName() throws Exception {
    Path garbled = Files.writeString(dir.resolve("bad.pub"), "-----BEGIN PUBLIC KEY-----\nnot*base64\n-----END PUBLIC KEY-----\n");
    Path missing = dir.resolve("missing.key");

    IOException bad = assertThrows(IOException.class, () -> ApproverKeys.readPublicKey(garbled));
    assertThrows(NoSuchFileException.class, () -> ApproverKeys.readPrivateKey(missing));

    assertTrue(bad.getMessage().startsWith(garbled + ": key is not valid base64"), bad.getMessage());
  }

  @Test
  void refusesKeysOfOtherAlgorithms() throws Exception {
    java.security.KeyPair rsa = java.security.KeyPairGenerator.getInstance("RSA").generateKeyPair();

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ApproverKeys.parsePublicKey(ApproverKeys.publicKeyBase64(rsa.getPublic()), "rsa.pub"));

    assertTrue(e.getMessage().startsWith("rsa.pub: not an Ed25519 public key"), e.getMessage());
  }

  @Test
  void approverNameComesFromTheKeyFileName() {
    assertEquals("alice", ApproverKeys.approverOf(Path.of("/keys/alice.key")));
    assertThrows(IllegalArgumentException.class, () -> ApproverKeys.approverOf(Path.of("/keys/.key")));
  }
}
