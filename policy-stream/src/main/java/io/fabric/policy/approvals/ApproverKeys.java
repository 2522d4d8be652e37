package io.fabric.policy.approvals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.EdECKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * An approver's Ed25519 key pair and its files, behind {@code fabric keys generate}.
 *
 * <p>Files are PEM, the form OpenSSL reads and writes ({@code openssl pkey -in NAME.key -pubout}
 * prints {@code NAME.pub}): {@code NAME.key} holds the PKCS#8 private key under {@code BEGIN PRIVATE
 * KEY} and is created owner-only where the file system has POSIX permissions; {@code NAME.pub}
 * holds the X.509 SubjectPublicKeyInfo under {@code BEGIN PUBLIC KEY}, which goes into the approver
 * registry. The approver's name is the files' base name, so {@code fabric approve --key alice.key}
 * signs as {@code alice}.
 */
public final class ApproverKeys {
  public static final String ALGORITHM = "Ed25519";
  private static final int RAW_KEY_LENGTH = 32;
  private static final int X509_ED25519_LENGTH = 12 + RAW_KEY_LENGTH;
  public static final String PRIVATE_KEY_SUFFIX = ".key";
  public static final String PUBLIC_KEY_SUFFIX = ".pub";

  private static final String PRIVATE_LABEL = "PRIVATE KEY";
  private static final String PUBLIC_LABEL = "PUBLIC KEY";
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  /** Where {@link #generate} wrote an approver's keys. */
  public record KeyFiles(String approver, Path privateKeyFile, Path publicKeyFile) {}

  private ApproverKeys() {}

  public static KeyPair newKeyPair() {
    try {
      return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no " + ALGORITHM + " (Java 15 or later has it)", e);
    }
  }

  /**
   * Generates a key pair for {@code approver} and writes {@code DIR/NAME.key} and
   * {@code DIR/NAME.pub}, creating {@code dir} if needed. Never overwrites a key: losing a private
   * key or silently replacing a registered one is worse than an error.
   *
   * @throws FileAlreadyExistsException when either file exists
   * @throws IllegalArgumentException for a name that cannot be an approver's
   */
  public static KeyFiles generate(String approver, Path dir) throws IOException {
    Approver.requireValidName(approver);
    Path privateFile = dir.resolve(approver + PRIVATE_KEY_SUFFIX);
    Path publicFile = dir.resolve(approver + PUBLIC_KEY_SUFFIX);
    for (Path existing : new Path[] {privateFile, publicFile}) {
      if (Files.exists(existing)) {
        throw new FileAlreadyExistsException(existing.toString(), null, "a key file is already there; not overwriting it");
      }
    }
    Files.createDirectories(dir);
    KeyPair pair = newKeyPair();
    writePrivateKey(privateFile, pair.getPrivate());
    writePublicKey(publicFile, pair.getPublic());
    return new KeyFiles(approver, privateFile, publicFile);
  }

  /** Writes a new owner-only PEM private key file; fails if the file exists. */
  public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
    requireEd25519(key, "private key");
    if (Files.getFileStore(file.toAbsolutePath().getParent()).supportsFileAttributeView("posix")) {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } else {
      Files.createFile(file);
    }
    Files.writeString(file, toPem(PRIVATE_LABEL, key.getEncoded()), StandardCharsets.US_ASCII,
        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
  }

  /** Writes a new PEM public key file; fails if the file exists. */
  public static void writePublicKey(Path file, PublicKey key) throws IOException {
    requireEd25519(key, "public key");
    Files.writeString(file, publicKeyPem(key), StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW);
  }

  public static String publicKeyPem(PublicKey key) {
    return toPem(PUBLIC_LABEL, key.getEncoded());
  }

  /**
   * The 32-byte RFC 8032 public key inside an Ed25519 key's X.509 encoding (a fixed 12-byte header,
   * then the key).
   */
  public static byte[] rawEd25519(PublicKey key) {
    byte[] encoded = key.getEncoded();
    if (encoded == null || encoded.length != X509_ED25519_LENGTH) {
      throw new IllegalArgumentException("not an X.509-encoded Ed25519 public key (" + key.getAlgorithm() + ")");
    }
    return java.util.Arrays.copyOfRange(encoded, encoded.length - RAW_KEY_LENGTH, encoded.length);
  }

  /** Base64 of the X.509 encoding, the one-line form for {@code public_key:} in the registry. */
  public static String publicKeyBase64(PublicKey key) {
    return Base64.getEncoder().encodeToString(key.getEncoded());
  }

  /**
   * Reads a private key file written by {@link #generate} or {@code openssl genpkey -algorithm
   * ed25519}.
   *
   * @throws IOException when the file is missing or holds no Ed25519 private key; the message says which
   */
  public static PrivateKey readPrivateKey(Path file) throws IOException {
    byte[] der = decodePem(readKeyFile(file), PRIVATE_LABEL, file.toString());
    try {
      PrivateKey key = KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
      requireEd25519(key, "private key");
      return key;
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException(file + ": not an " + ALGORITHM + " private key (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Reads a public key file (PEM, or bare base64 of the X.509 encoding).
   *
   * @throws IOException when the file is missing or holds no Ed25519 public key; the message says which
   */
  public static PublicKey readPublicKey(Path file) throws IOException {
    try {
      return parsePublicKey(readKeyFile(file), file.toString());
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /**
   * Parses a public key given as PEM text or bare base64 of its X.509 encoding; {@code source}
   * names where it came from, for the error message.
   *
   * @throws IllegalArgumentException when the text holds no Ed25519 public key
   */
  public static PublicKey parsePublicKey(String text, String source) {
    byte[] der = decodePem(text, PUBLIC_LABEL, source);
    try {
      PublicKey key = KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
      requireEd25519(key, "public key");
      return key;
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": not an " + ALGORITHM + " public key (" + e.getMessage() + ")", e);
    }
  }

  /**
   * The approver a private key file belongs to, by the naming {@link #generate} uses:
   * {@code keys/alice.key} is {@code alice}'s.
   *
   * @throws IllegalArgumentException when the file name does not yield a valid approver name
   */
  public static String approverOf(Path privateKeyFile) {
    String fileName = privateKeyFile.getFileName().toString();
    String name = fileName.endsWith(PRIVATE_KEY_SUFFIX)
        ? fileName.substring(0, fileName.length() - PRIVATE_KEY_SUFFIX.length())
        : fileName;
    if (!Approver.isValidName(name)) {
      throw new IllegalArgumentException("cannot tell the approver from key file name " + fileName
          + ": expected NAME" + PRIVATE_KEY_SUFFIX);
    }
    return name;
  }

  static void requireEd25519(Key key, String what) {
    if (key == null) {
      throw new IllegalArgumentException(what + " is missing");
    }
    if (!(key instanceof EdECKey edKey) || !ALGORITHM.equalsIgnoreCase(edKey.getParams().getName())) {
      throw new IllegalArgumentException(what + " is " + key.getAlgorithm() + ", not " + ALGORITHM);
    }
  }

  private static String readKeyFile(Path file) throws IOException {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file.toString(), null, "key file not found");
    }
  }

  private static String toPem(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + label + "-----\n";
  }

  private static byte[] decodePem(String text, String expectedLabel, String source) {
    String body = text.strip();
    if (body.startsWith("-----BEGIN ")) {
      int labelEnd = body.indexOf("-----", "-----BEGIN ".length());
      String label = labelEnd < 0 ? "" : body.substring("-----BEGIN ".length(), labelEnd);
      if (!label.equals(expectedLabel)) {
        throw new IllegalArgumentException(source + ": expected a PEM " + expectedLabel + " but found "
            + (label.isEmpty() ? "a broken PEM header" : "a PEM " + label));
      }
      String footer = "-----END " + expectedLabel + "-----";
      int footerAt = body.indexOf(footer);
      if (footerAt < 0) {
        throw new IllegalArgumentException(source + ": PEM " + expectedLabel + " has no '" + footer + "' line");
      }
      body = body.substring(labelEnd + "-----".length(), footerAt);
    }
    String base64 = WHITESPACE.matcher(body).replaceAll("");
    if (base64.isEmpty()) {
      throw new IllegalArgumentException(source + ": no key in it");
    }
    try {
      return Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": key is not valid base64 (" + e.getMessage() + ")", e);
    }
  }
}
