package io.fabric.schemas.streams;

import io.fabric.schemas.records.Reason;
import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bug or unexpected data in a processor sends the source record to the DLQ instead of stopping
 * the app; the DLQ keeps the raw source bytes so it can be replayed once fixed.
 */
public final class ProcessingErrorToDeadLetter implements ProcessingExceptionHandler {
  private static final Logger log = LoggerFactory.getLogger(ProcessingErrorToDeadLetter.class);
  private DeadLetterRouting routing;

  @Override
  public void configure(Map<String, ?> configs) {
    routing = DeadLetterRouting.from(configs);
  }

  @Override
  public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
    log.error("processor {} failed on {}-{}@{}; record sent to the DLQ", context.processorNodeId(), context.topic(),
        context.partition(), context.offset(), exception);
    return Response.resume(routing.deadLetter(context, context.sourceRawKey(), context.sourceRawValue(), Reason.PROCESSING_ERROR, exception));
  }
}
