package io.fabric.deploy.manifests;

import io.fabric.schemas.topics.AccessRules;
import java.util.List;

/**
 * One process kind of a deployment: a {@code fabric run --apps ...} container with its own Kafka
 * principal. {@code gateway} marks the one that takes HTTP traffic from outside (API keys, a Service,
 * a published port).
 *
 * @param name    the container, Deployment, compose service and Kafka user name (without the {@code fabric-} prefix)
 * @param apps    the values of {@code --apps}
 * @param access  what its principal may do on Kafka
 * @param gateway whether it serves the HTTP API to callers
 * @param replicas how many instances the manifests start
 */
public record Deployable(String name, List<String> apps, AccessRules.Principal access, boolean gateway, int replicas) {
  public Deployable {
    if (!name.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?")) {
      throw new IllegalArgumentException("deployable name must be a DNS label: " + name);
    }
    apps = List.copyOf(apps);
    if (apps.isEmpty() || replicas < 1) {
      throw new IllegalArgumentException("a deployable runs at least one app in at least one instance: " + name);
    }
  }
}
