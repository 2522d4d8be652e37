package io.fabric.deploy.manifests;

import io.fabric.schemas.topics.TopicProfile;
import java.util.List;

/**
 * What {@code fabric deploy render} may change; {@link #defaults()} renders the committed manifests.
 *
 * @param profile    replication of the topics (and the brokers' defaults)
 * @param namespace  Kubernetes namespace of every resource
 * @param image      the fabric image (built by Jib: {@code mvn -pl fabric-cli -am package jib:buildTar -Pimage})
 * @param submitters names of registered submitters: each gets a Kafka user that may write the ingress only
 */
public record RenderOptions(TopicProfile profile, String namespace, String image, List<String> submitters) {
  public static final String DEFAULT_NAMESPACE = "fabric";
  public static final String DEFAULT_IMAGE = "execution-fabric:0.1.0-SNAPSHOT";

  public RenderOptions {
    if (!namespace.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?")) {
      throw new IllegalArgumentException("namespace must be a DNS label: " + namespace);
    }
    if (image.isBlank()) {
      throw new IllegalArgumentException("image must not be blank");
    }
    submitters = submitters.stream().sorted().distinct().toList();
  }

  public static RenderOptions defaults() {
    return new RenderOptions(TopicProfile.CLUSTER, DEFAULT_NAMESPACE, DEFAULT_IMAGE, List.of());
  }
}
