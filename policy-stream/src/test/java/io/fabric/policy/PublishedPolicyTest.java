package io.fabric.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PublishedPolicyTest {
  private final Policy start = PolicyFile.parse("classes:\n  A: [score_lead]\n");
  private final PublishedPolicy published = new PublishedPolicy(start);

  @Test
  void nothingPublishedMeansTheStartPolicy() {
    assertSame(start, published.select(null).policy());
    assertNull(published.select(null).problem());
  }

  @Test
  void aValidPublishedPolicyDecidesAndIsParsedOnce() {
    String text = "version: v2\nclasses:\n  B: [summarize]\n";

    Policy first = published.select(text).policy();

    assertEquals(ActionClass.B, first.classify("acme", "summarize").actionClass());
    assertTrue(first.version().startsWith("v2@"), first.version());
    assertSame(first, published.select(new String(text)).policy(), "the same text is not parsed again");
  }

  @Test
  void aTombstoneGoesBackToTheStartPolicy() {
    published.select("classes:\n  B: [summarize]\n");

    assertSame(start, published.select(null).policy());
  }

  @Test
  void anInvalidPublishedPolicyIsRefusedAndTheStartPolicyDecidesWhateverCameBefore() {
    published.select("classes:\n  B: [summarize]\n");

    PublishedPolicy.Selection refused = published.select("classes:\n  A: [exfiltrate_secrets]\n");

    assertSame(start, refused.policy(), "the same policy an instance that never saw the valid one would use");
    assertTrue(refused.problem().startsWith("published policy refused, the start policy " + start.version() + " decides: published policy:2:"),
        refused.problem());
  }

  @Test
  void aShadowIsNoneUntilAValidOneIsPublished() {
    PublishedPolicy shadow = PublishedPolicy.shadow();

    assertNull(shadow.select(null).policy());
    assertEquals(ActionClass.B, shadow.select("classes:\n  B: [summarize]\n").policy().classify("t", "summarize").actionClass());
    PublishedPolicy.Selection invalid = shadow.select("classes:\n  A: [bypass_auth]\n");
    assertNull(invalid.policy(), "an invalid shadow runs no shadow");
    assertTrue(invalid.problem().startsWith("published policy refused, no shadow runs:"), invalid.problem());
  }
}
