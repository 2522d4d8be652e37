package io.fabric.schemas.records;

/** Why a request was blocked or dead-lettered; the {@code reason} of statuses, blocked tasks and dead letters. */
public enum Reason {
  FORBIDDEN, INVALID_TOKEN, APPROVAL_REJECTED, APPROVAL_EXPIRED, TENANT_MISMATCH, INVALID_REQUEST,
  UNKNOWN_TASK_TYPE, EXECUTION_FAILED, IN_DOUBT, UNDECODABLE, PROCESSING_ERROR,
  /** The request is not signed by a registered submitter, its signature is wrong, or it is stale. */
  UNAUTHENTICATED,
  /** The signing submitter may not act for the tenant or request the action. */
  UNAUTHORIZED,
  /** Over a limit of the policy ({@code limits.rules}) that says {@code on_limit: block}; also a held request's status reason. */
  RATE_LIMITED,
  /** A breaker paused the request's tenant or submitter (fabric breakers list shows why; reset lifts it). */
  PAUSED
}
