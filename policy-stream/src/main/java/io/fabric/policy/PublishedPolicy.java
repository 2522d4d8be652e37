package io.fabric.policy;

import java.util.Objects;

/**
 * Which policy decides now, given the latest value published under {@link #ACTIVE_KEY} on the policy
 * topic: none (the topic is empty, or the value was deleted) means the policy the process started
 * with ({@code fabric run --policy}); a valid policy text means that policy; an invalid one is
 * refused where it is consumed and the start policy decides, so every instance, whatever it saw
 * before, decides by the same policy for the same topic content. Kafka-free; one per processor
 * (it caches the last text it parsed, so an unchanged topic costs a string comparison per record).
 */
public final class PublishedPolicy {
  /** The key of the active policy on the policy topic. */
  public static final String ACTIVE_KEY = "active";
  /** The key of the shadow policy: evaluated beside the active one, never acted on. */
  public static final String SHADOW_KEY = "shadow";

  /** The policy in force and, when the published text was refused, why (null otherwise). */
  public record Selection(Policy policy, String problem) {}

  private final Policy initial;
  private String lastText;
  private Selection last;

  public PublishedPolicy(Policy initial) {
    this(Objects.requireNonNull(initial), true);
  }

  private PublishedPolicy(Policy initial, boolean unused) {
    this.initial = initial;
    this.last = new Selection(initial, null);
  }

  /** For the shadow key: none published, deleted or invalid means no shadow ({@link Selection#policy()} null). */
  public static PublishedPolicy shadow() {
    return new PublishedPolicy(null, true);
  }

  public Policy initial() {
    return initial;
  }

  /** The policy for {@code publishedText}, the latest value of {@link #ACTIVE_KEY} (null when there is none). */
  public Selection select(String publishedText) {
    if (Objects.equals(publishedText, lastText)) {
      return last;
    }
    lastText = publishedText;
    if (publishedText == null) {
      last = new Selection(initial, null);
      return last;
    }
    PolicyFile.Checked checked = PolicyFile.check(publishedText, "published policy");
    last = checked.ok() ? new Selection(checked.policy(), null)
        : new Selection(initial, "published policy refused, " + (initial == null ? "no shadow runs" : "the start policy " + initial.version() + " decides") + ": "
            + checked.problems().get(0).message() + (checked.problems().size() > 1 ? " (and " + (checked.problems().size() - 1) + " more)" : ""));
    return last;
  }
}
