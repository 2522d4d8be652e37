package io.fabric.gateway.http;

import io.fabric.contracts.AuditEvent;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.AuditEvents;
import io.fabric.schemas.topics.TopicCatalog;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what the gateway refused for security reasons (a key acting for a tenant it does not hold)
 * to {@code fabric.audit} as a {@code SECURITY_EVENT}, where the gate's own security events go.
 */
public final class SecurityAudit implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SecurityAudit.class);
  private final KafkaProducer<String, AuditEvent> producer;
  private final TopicCatalog catalog;

  public SecurityAudit(KafkaConnection connection, TopicCatalog catalog, Map<String, Object> overrides) {
    Map<String, Object> config = connection.clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "fabric-gateway-audit");
    config.putAll(overrides);
    this.catalog = catalog;
    this.producer = new KafkaProducer<>(config, catalog.audit.keySerde().serializer(), catalog.audit.valueSerde().serializer());
  }

  /** Records the refusal; a failure to write it is logged (the caller has had its 403 either way). */
  public void refused(Caller caller, String tenantId, String detail, long now) {
    AuditEvent event = AuditEvent.newBuilder().setId(UUID.randomUUID().toString()).setAt(now).setType(AuditEvents.SECURITY_EVENT)
        .setTenantId(tenantId).setDetail(detail).setSubmitter(caller.name()).build();
    producer.send(new ProducerRecord<>(catalog.audit.name(), tenantId, event), (metadata, error) -> {
      if (error != null) {
        LOG.error("could not audit a refused gateway call by {}: {}", caller.name(), error.toString());
      }
    });
  }

  @Override
  public void close() {
    producer.close();
  }
}
