package io.fabric.policy.approvals;

import java.nio.ByteBuffer;
import java.security.PublicKey;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * The gate's Ed25519 check of a signature (approval tokens, signed requests, signed reads), with
 * BouncyCastle's RFC 8032 verification: about a quarter of the JDK 17 provider's CPU (BENCHMARKS.md),
 * and the gate runs it for every request and every token. Each registered key is decoded and
 * validated into a curve point once, not at every verification: decoding was ~15 % of a
 * verification's CPU in a profile of the gate at saturation (BENCHMARKS.md, issue 22).
 *
 * <p>The gate checks some signatures more than once: a request's when it is admitted and again when
 * it is released (its submitter must still stand behind it), a stored approval's when it arrived and
 * again before release. Recent good verifications are remembered by signature, with the exact key and
 * the digest of the message they held for, so a repeat with the same three inputs (Ed25519 verification is a pure
 * function of them) costs a comparison instead of a curve multiplication; any other key or message
 * under that signature is verified afresh. Failures are never remembered.
 */
public final class Ed25519Signatures {
  /** More keys than a registry holds; past it the cache starts again (keys of an old registry go). */
  private static final int MAX_KEYS = 4_096;
  private static final ConcurrentHashMap<PublicKey, Optional<Ed25519.PublicPoint>> POINTS = new ConcurrentHashMap<>();
  /** Enough to span a request's admission and release at saturation; past it the memory starts again (under 2 MiB). */
  private static final int MAX_REMEMBERED = 8_192;
  private static final ConcurrentHashMap<ByteBuffer, Verified> VERIFIED = new ConcurrentHashMap<>();

  /**
   * A signature that verified, and the SHA-256 of the message it verified for: a digest, not a copy, so a
   * submitter signing megabyte-sized statements cannot make the memory hold gigabytes (the gate checks the
   * signature before the request's size limits). A different message with the same digest would be a SHA-256
   * collision; the signature itself already rests on SHA-512.
   */
  private record Verified(PublicKey key, byte[] signedDigest) {
    boolean sameAs(PublicKey otherKey, byte[] otherDigest) {
      return key.equals(otherKey) && java.security.MessageDigest.isEqual(signedDigest, otherDigest);
    }
  }

  private static byte[] digest(byte[] signed) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(signed);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private Ed25519Signatures() {}

  /**
   * Whether {@code signature} (64 bytes, read without moving the buffer) is {@code key}'s Ed25519
   * signature over {@code signed}; false for a signature of another size or a key that is not a
   * valid curve point.
   */
  public static boolean valid(PublicKey key, byte[] signed, ByteBuffer signature) {
    if (signature == null || signature.remaining() != Ed25519.SIGNATURE_SIZE) {
      return false;
    }
    byte[] bytes = new byte[Ed25519.SIGNATURE_SIZE];
    signature.duplicate().get(bytes);
    ByteBuffer id = ByteBuffer.wrap(bytes);
    byte[] signedDigest = digest(signed);
    Verified known = VERIFIED.get(id);
    if (known != null && known.sameAs(key, signedDigest)) {
      return true;
    }
    Optional<Ed25519.PublicPoint> point = pointOf(key);
    boolean valid = point.isPresent() && Ed25519.verify(bytes, 0, point.get(), signed, 0, signed.length);
    if (valid) {
      if (VERIFIED.size() >= MAX_REMEMBERED) {
        VERIFIED.clear();
      }
      VERIFIED.put(id, new Verified(key, signedDigest));
    }
    return valid;
  }

  /** The key as a validated point, cached per key (PublicKey equality is its encoding's); empty for an invalid point. */
  private static Optional<Ed25519.PublicPoint> pointOf(PublicKey key) {
    Optional<Ed25519.PublicPoint> known = POINTS.get(key);
    if (known != null) {
      return known;
    }
    if (POINTS.size() >= MAX_KEYS) {
      POINTS.clear();
    }
    Optional<Ed25519.PublicPoint> point = Optional.ofNullable(Ed25519.validatePublicKeyFullExport(ApproverKeys.rawEd25519(key), 0));
    POINTS.put(key, point);
    return point;
  }
}
