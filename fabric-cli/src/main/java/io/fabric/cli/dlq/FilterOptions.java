package io.fabric.cli.dlq;

import io.fabric.cli.ReadScopeOptions;
import io.fabric.dlq.DeadLetterFilter;
import io.fabric.policy.identity.TenantScope;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/** The filters every dlq command shares; Kafka's names for the time options. Repeat or comma-separate values to accept several. */
public final class FilterOptions {
  @Option(names = "--tenant", paramLabel = "TENANT", split = ",", description = "Only these tenants.")
  List<String> tenants = new ArrayList<>();

  @Option(names = "--flow", paramLabel = "FLOW", split = ",", description = "Only these flow ids.")
  List<String> flows = new ArrayList<>();

  @Option(names = "--action", paramLabel = "ACTION", split = ",", description = "Only these actions (task types).")
  List<String> actions = new ArrayList<>();

  @Option(names = "--stage", paramLabel = "STAGE", split = ",",
      description = "Only these stages, e.g. policy-stream, router-stream, plugin:http.")
  List<String> stages = new ArrayList<>();

  @Option(names = "--reason", paramLabel = "REASON", split = ",",
      description = "Only these reasons (case-insensitive): UNDECODABLE, UNKNOWN_TASK_TYPE, EXECUTION_FAILED, IN_DOUBT, "
          + "PROCESSING_ERROR, or UNREADABLE for DLQ records that cannot be decoded themselves.")
  List<String> reasons = new ArrayList<>();

  @Option(names = "--error", paramLabel = "REGEX",
      description = "Only dead letters whose error class, message or an attempt's error contains a match of REGEX.")
  String error;

  @Option(names = "--from-datetime", paramLabel = "DATETIME", converter = DateTimeConverter.class,
      description = "Only dead letters from this time on, 'YYYY-MM-DDTHH:mm:SS.sss' (UTC) or ISO-8601 with a zone.")
  Instant fromDateTime;

  @Option(names = "--to-datetime", paramLabel = "DATETIME", converter = DateTimeConverter.class,
      description = "Only dead letters before this time, same format as --from-datetime.")
  Instant toDateTime;

  @Option(names = "--by-duration", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "Only dead letters from the last DURATION, ISO-8601 such as PT1H or P1D.")
  Duration byDuration;

  /**
   * The filter, its tenants narrowed to {@code readScope} ({@code --as}): a restricted read never
   * shows another tenant's dead letters, nor those without a tenant.
   */
  DeadLetterFilter toFilter(CommandSpec spec, ReadScopeOptions readScope) {
    TenantScope scope = readScope.scope(tenants);
    if (!scope.unrestricted()) {
      return toFilter(spec, List.copyOf(scope.tenants()));
    }
    return toFilter(spec, tenants);
  }

  private DeadLetterFilter toFilter(CommandSpec spec, List<String> tenants) {
    try {
      return DeadLetterFilter.builder()
          .tenants(tenants).flows(flows).actions(actions).stages(stages).reasons(reasons)
          .error(error).from(fromDateTime).to(toDateTime).byDuration(byDuration)
          .build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  static final class DateTimeConverter implements ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
      try {
        return DeadLetterFilter.parseDateTime(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return DeadLetterFilter.parseDuration(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
