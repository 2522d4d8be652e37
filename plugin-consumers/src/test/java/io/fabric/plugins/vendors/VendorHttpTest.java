package io.fabric.plugins.vendors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class VendorHttpTest {
  @Test
  void findsTheVendorsOwnMessageInEachVendorsErrorShape() {
    assertEquals("190: Invalid OAuth access token",
        VendorHttp.vendorMessage("{\"error\":{\"message\":\"Invalid OAuth access token\",\"type\":\"OAuthException\",\"code\":190}}"));
    assertEquals("card_declined: Your card was declined.",
        VendorHttp.vendorMessage("{\"error\":{\"type\":\"card_error\",\"code\":\"card_declined\",\"message\":\"Your card was declined.\"}}"));
    assertEquals("INVALID_FIELD: No such column",
        VendorHttp.vendorMessage("[{\"message\":\"No such column\",\"errorCode\":\"INVALID_FIELD\"}]"));
    assertEquals("21211: Not a valid phone number", VendorHttp.vendorMessage("{\"code\":21211,\"message\":\"Not a valid phone number\",\"status\":400}"));
    assertEquals("invalid_grant: expired", VendorHttp.vendorMessage("{\"error\":\"invalid_grant\",\"error_description\":\"expired\"}"));
    assertEquals("<html>Bad Gateway</html>", VendorHttp.vendorMessage("<html>Bad Gateway</html>"));
    assertEquals("(no body)", VendorHttp.vendorMessage(""));
  }

  @Test
  void encodesEachPathSegmentCompletely() {
    assertEquals("https://x.test/a/b%2Fc/ACME%2042/%2B1", VendorHttp.url("https://x.test//", "a", "b/c", "ACME 42", "+1"));
  }

  @Test
  void formEncodingKeepsOrderAndStripesEmptyValue() {
    assertEquals("a=1&pause_collection=&metadata%5Bk%5D=v+w", new VendorHttp.Form().add("a", 1).add("skipped", null)
        .add("pause_collection", "").add("metadata[k]", "v w").encode());
  }
}
