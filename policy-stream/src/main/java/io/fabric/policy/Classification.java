package io.fabric.policy;

/** The class of one (tenant, action) and the rule that decided it, e.g. {@code default:class-b} or {@code tenant:acme}. */
public record Classification(ActionClass actionClass, String rule) {}
