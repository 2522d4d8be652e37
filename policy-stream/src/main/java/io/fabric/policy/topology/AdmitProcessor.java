package io.fabric.policy.topology;

import io.fabric.contracts.TaskRequest;
import io.fabric.observability.FabricMetrics;
import io.fabric.policy.PolicyGate;
import io.fabric.policy.Verdict;
import io.fabric.schemas.records.IngressKey;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * The one validation of a request, where it enters (ingress or the replay topic). A refused request
 * goes on with its verdict in a header to the request-id step, which writes its status. A valid one
 * is keyed by {@code tenant|idempotency key} and is in place only when it also sits on the partition
 * that key belongs to, since deduplication is per partition and a producer may pick any partition.
 */
final class AdmitProcessor implements Processor<String, TaskRequest, String, Admission> {
  private final GateSource gates;
  private final String replaysTopic;
  private final int partitions;
  private ProcessorContext<String, Admission> context;
  private FabricMetrics metrics;

  AdmitProcessor(GateSource gates, String replaysTopic, int partitions) {
    this.gates = gates;
    this.replaysTopic = replaysTopic;
    this.partitions = partitions;
  }

  @Override
  public void init(ProcessorContext<String, Admission> context) {
    this.context = context;
    this.metrics = FabricMetrics.from(context.appConfigs());
    gates.init(context);
  }

  @Override
  public void process(Record<String, TaskRequest> record) {
    TaskRequest request = record.value();
    Optional<RecordMetadata> source = context.recordMetadata();
    boolean fromReplays = source.map(m -> replaysTopic.equals(m.topic())).orElse(false);
    if (fromReplays) {
      metrics.replay();
    }
    Headers headers = EarlyVerdict.strip(new RecordHeaders(record.headers().toArray()));
    Optional<PolicyGate.Refusal> refused = gates.current().admit(request, fromReplays, context.currentSystemTimeMs());
    if (refused.isPresent()) {
      Verdict.Block block = refused.get().block();
      EarlyVerdict.refused(block.reason(), block.detail(), block.auditType(), refused.get().claimsId()).writeTo(headers);
      context.forward(new Record<String, Admission>(record.key(), new Admission.Invalid(request), record.timestamp(), headers));
      return;
    }
    String key = IngressKey.of(request);
    boolean inPlace = IngressKey.matches(record.key(), request)
        && source.map(m -> m.partition() == partitionOf(key, partitions)).orElse(true);
    context.forward(new Record<String, Admission>(key, inPlace ? new Admission.InPlace(request) : new Admission.Misplaced(request),
        record.timestamp(), headers));
  }

  /** The partition Kafka's default partitioner (and so the repartition topic) gives a String key. */
  static int partitionOf(String key, int partitions) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
  }
}
