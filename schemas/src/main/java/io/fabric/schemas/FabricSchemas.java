package io.fabric.schemas;

import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.ChainedAuditEvent;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.contracts.ApprovalToken;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/** Every top-level record that crosses a topic; the compatibility test and the schema publisher iterate it. */
public final class FabricSchemas {
  public static final String CONTRACTS_PACKAGE = "io.fabric.contracts";

  public static final List<Class<? extends SpecificRecord>> TOP_LEVEL = List.of(
      TaskRequest.class, RoutedTask.class, BlockedTask.class, PendingApproval.class, ApprovalToken.class,
      FlowCheckpoint.class, DeadLetter.class, AuditEvent.class, RequestStatus.class, ChainedAuditEvent.class);

  private FabricSchemas() {}
}
