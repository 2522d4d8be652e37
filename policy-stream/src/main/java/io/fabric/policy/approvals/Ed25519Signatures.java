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
 */
public final class Ed25519Signatures {
  /** More keys than a registry holds; past it the cache starts again (keys of an old registry go). */
  private static final int MAX_KEYS = 4_096;
  private static final ConcurrentHashMap<PublicKey, Optional<Ed25519.PublicPoint>> POINTS = new ConcurrentHashMap<>();

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
    Optional<Ed25519.PublicPoint> point = pointOf(key);
    return point.isPresent() && Ed25519.verify(bytes, 0, point.get(), signed, 0, signed.length);
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
