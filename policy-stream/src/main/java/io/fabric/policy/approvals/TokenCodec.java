package io.fabric.policy.approvals;

import io.fabric.contracts.ApprovalToken;
import io.fabric.policy.approvals.TokenVerifier.InvalidTokenException;
import io.fabric.schemas.AvroSerde;
import java.util.Base64;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The compact string form of a token, for {@code TaskRequest.approval_token} and for printing:
 * unpadded base64url of the token's Avro single-object encoding (the bytes the
 * {@code fabric.approvals} topic carries), so one schema, with its fingerprint in the header, serves
 * the topic and the string. Such strings start with {@code ww} (the single-object marker {@code C3 01}).
 *
 * <p>Decoding proves nothing about the token; {@link SignedTokenVerifier} does that.
 */
public final class TokenCodec {
  /** A signed token is a few hundred bytes; anything far larger is not one and is not worth decoding. */
  public static final int MAX_ENCODED_LENGTH = 16 * 1024;

  private static final AvroSerde<ApprovalToken> SERDE = AvroSerde.of(ApprovalToken.class);
  private static final String CONTEXT = "approval_token";

  private TokenCodec() {}

  public static String encode(ApprovalToken token) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(SERDE.serialize(CONTEXT, token));
  }

  /**
   * @throws InvalidTokenException when the string is not an encoded token
   */
  public static ApprovalToken decode(String encoded) throws InvalidTokenException {
    if (encoded == null || encoded.isBlank()) {
      throw new InvalidTokenException("approval token is empty", null);
    }
    String text = encoded.strip();
    if (text.length() > MAX_ENCODED_LENGTH) {
      throw new InvalidTokenException("approval token is " + text.length() + " characters, more than the "
          + MAX_ENCODED_LENGTH + " a token can be", null);
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new InvalidTokenException("approval token is not base64url: " + e.getMessage(), e);
    }
    try {
      return SERDE.deserialize(CONTEXT, bytes);
    } catch (SerializationException e) {
      throw new InvalidTokenException("approval token is not an encoded ApprovalToken: " + e.getMessage(), e);
    }
  }
}
