package io.fabric.policy.topology;

import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.BranchedKStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/** Sends each outcome record a processor emits to its topic, by record type, with the catalog's serdes. */
final class OutcomeSinks {
  private OutcomeSinks() {}

  static void attach(KStream<String, SpecificRecord> outcomes, TopicCatalog catalog, String name) {
    BranchedKStream<String, SpecificRecord> split = outcomes.split(Named.as(name + "-"));
    branch(split, name, "routed", RoutedTask.class, catalog.routed);
    branch(split, name, "blocked", BlockedTask.class, catalog.blocked);
    branch(split, name, "pending", PendingApproval.class, catalog.approvalPending);
    branch(split, name, "status", RequestStatus.class, catalog.requestStatus);
    branch(split, name, "audit", AuditEvent.class, catalog.audit);
    split.noDefaultBranch();
  }

  private static <V extends SpecificRecord> void branch(BranchedKStream<String, SpecificRecord> split, String name, String kind,
                                                        Class<V> type, TopicSpec<String, V> topic) {
    split.branch((key, value) -> type.isInstance(value), Branched.withConsumer(stream -> stream
        .mapValues(type::cast, Named.as(name + "-as-" + kind))
        .to(topic.name(), Produced.with(topic.keySerde(), topic.valueSerde()).withName(name + "-to-" + kind)), kind));
  }
}
