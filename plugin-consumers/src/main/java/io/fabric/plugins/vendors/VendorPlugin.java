package io.fabric.plugins.vendors;

import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryPolicy;
import io.fabric.plugins.spi.TaskContext;
import java.util.Set;

/**
 * What every vendor plugin has in common, so that each plugin class is only its vendor's protocol:
 * its name and task types, its {@link VendorConfig} (which also gives the retry policy, so
 * {@code max_attempts} works the same for every vendor), one {@link VendorHttp} for its calls, its
 * {@link InDoubtSupport} (a constant, unless the plugin overrides {@link #inDoubtSupport()} to read
 * it from configuration, as {@link WebhookPlugin} does) and the refusal of an action it does not handle.
 *
 * <p>{@link java.util.ServiceLoader} needs a public no-argument constructor on each concrete plugin,
 * which Java does not inherit; so each plugin still declares {@code X()}, reading the live
 * configuration ({@code this(VendorConfig.fromEnvironment(NAME))}), next to {@code X(VendorConfig)}
 * for the sandbox and tests.
 */
abstract class VendorPlugin implements FabricPlugin {
  final VendorConfig config;
  /** The plugin's HTTP client; it connects nothing until a request, so a plugin that speaks no HTTP (email) costs nothing. */
  final VendorHttp http;
  private final String name;
  private final Set<String> taskTypes;
  private final InDoubtSupport inDoubtSupport;

  VendorPlugin(String name, VendorConfig config, InDoubtSupport inDoubtSupport, String... taskTypes) {
    this.name = name;
    this.config = config;
    this.http = new VendorHttp(name);
    this.inDoubtSupport = inDoubtSupport;
    this.taskTypes = Set.of(taskTypes);
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final Set<String> taskTypes() {
    return taskTypes;
  }

  @Override
  public InDoubtSupport inDoubtSupport() {
    return inDoubtSupport;
  }

  @Override
  public java.util.Optional<java.time.Duration> worstCaseCall() {
    return config.worstCaseCall();
  }

  @Override
  public RetryPolicy retryPolicy() {
    return config.retryPolicy();
  }

  /** Fails with {@link #doesNotHandle} unless {@code context}'s action is one of {@link #taskTypes()}. */
  final void requireHandled(TaskContext context) throws PermanentTaskException {
    if (context.action() == null || !taskTypes.contains(context.action())) {
      throw doesNotHandle(context);
    }
  }

  /**
   * The failure for a task whose action is not this plugin's: it was routed here by mistake, and
   * repeating it cannot help, so it is permanent.
   */
  final PermanentTaskException doesNotHandle(TaskContext context) {
    return new PermanentTaskException("plugin " + name + " does not handle action " + context.action());
  }
}
