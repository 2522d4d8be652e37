package io.fabric.plugins.vendors;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A WireMock server playing the vendor (or webhook receiver) a plugin test calls, started before
 * and stopped after each test, so every test begins with no stubs and no recorded requests.
 * Register it on a non-private field, named for the part it plays:
 * {@code @RegisterExtension final StubbedVendor vendor = new StubbedVendor();}.
 */
final class StubbedVendor extends WireMockServer implements BeforeEachCallback, AfterEachCallback {
  StubbedVendor() {
    // a dynamic port so tests never clash; one acceptor thread is plenty for a test sending a request at a time
    super(options().dynamicPort().jettyAcceptors(1));
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    start();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    stop();
  }
}
