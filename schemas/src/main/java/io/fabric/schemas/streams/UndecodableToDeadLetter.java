package io.fabric.schemas.streams;

import io.fabric.schemas.records.Reason;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Bytes that do not decode go to the DLQ with their original key, value and headers; the app keeps running. */
public final class UndecodableToDeadLetter implements DeserializationExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(UndecodableToDeadLetter.class);
  private DeadLetterRouting routing;

  @Override
  public void configure(Map<String, ?> configs) {
    routing = DeadLetterRouting.from(configs);
  }

  @Override
  public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
    log.warn("undecodable record {}-{}@{} sent to the DLQ: {}", context.topic(), context.partition(), context.offset(), exception.getMessage());
    return Response.resume(routing.deadLetter(context, record.key(), record.value(), Reason.UNDECODABLE, exception));
  }
}
