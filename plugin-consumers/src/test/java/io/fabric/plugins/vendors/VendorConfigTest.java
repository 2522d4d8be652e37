package io.fabric.plugins.vendors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryPolicy;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VendorConfigTest {
  @Test
  void aSystemPropertyBeatsTheEnvironmentWhichBeatsTheDefault() {
    VendorConfig config = VendorConfig.of("whatsapp",
        Map.of("fabric.plugin.whatsapp.token", "from-property"),
        Map.of("FABRIC_WHATSAPP_TOKEN", "from-env", "FABRIC_WHATSAPP_BASE_URL", "https://graph.example"));

    assertEquals(Optional.of("from-property"), config.get("token"));
    assertEquals(Optional.of("https://graph.example"), config.get(VendorConfig.BASE_URL));
    assertEquals(Optional.of("21.0"), config.get("api_version"));
    assertEquals(Optional.of("15000"), config.get(VendorConfig.REQUEST_TIMEOUT_MS));
    assertEquals(Optional.empty(), config.get("phone_number_id"));
  }

  @Test
  void aBlankValueCountsAsUnset() {
    VendorConfig config = VendorConfig.of("stripe", Map.of("fabric.plugin.stripe.secret_key", " "), Map.of("FABRIC_STRIPE_SECRET_KEY", "sk"));

    assertEquals(Optional.of("sk"), config.get("secret_key"));
  }

  @Test
  void namesFollowOneScheme() {
    assertEquals("FABRIC_CONTRACTS_ACCOUNT_ID", VendorConfig.envName("contracts", "account_id"));
    assertEquals("fabric.plugin.contracts.account_id", VendorConfig.propertyName("contracts", "account_id"));
  }

  @Test
  void requireNamesEveryMissingKey() {
    VendorConfig config = VendorConfig.ofKeys("voice", Map.of());

    PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> config.require("account_sid", "auth_token"));

    assertEquals("voice plugin is not configured: set FABRIC_VOICE_ACCOUNT_SID, FABRIC_VOICE_AUTH_TOKEN (or system properties "
        + "fabric.plugin.voice.account_sid, fabric.plugin.voice.auth_token)", e.getMessage());
  }

  @Test
  void redactsEveryConfiguredSecretButNotOtherValues() {
    VendorConfig config = VendorConfig.ofKeys("email", Map.of("password", "hunter22", "user", "mailer", "host", "smtp.example"));

    assertEquals("login mailer/*** at smtp.example refused", config.redact("login mailer/hunter22 at smtp.example refused"));
  }

  @Test
  void maxAttemptsSetsTheRetryPolicyAndABadValueKeepsTheDefault() {
    assertEquals(5, VendorConfig.ofKeys("stripe", Map.of("max_attempts", "5")).retryPolicy().maxAttempts());
    assertEquals(RetryPolicy.DEFAULT, VendorConfig.ofKeys("stripe", Map.of("max_attempts", "many")).retryPolicy());
    assertEquals(RetryPolicy.DEFAULT, VendorConfig.ofKeys("stripe", Map.of()).retryPolicy());
  }

  @Test
  void aMalformedNumberOrFlagFailsTheTaskClearly() {
    VendorConfig config = VendorConfig.ofKeys("email", Map.of("port", "smtp", "starttls", "maybe"));

    assertEquals("email plugin: FABRIC_EMAIL_PORT must be a non-negative integer, not 'smtp'",
        assertThrows(PermanentTaskException.class, () -> config.number("port")).getMessage());
    assertEquals("email plugin: FABRIC_EMAIL_STARTTLS must be true or false, not 'maybe'",
        assertThrows(PermanentTaskException.class, () -> config.flag("starttls")).getMessage());
  }
}
