package io.fabric.dlq;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * Which dead letters a command works on. Every criterion left empty matches everything; values of
 * one criterion are alternatives (tenant a or b), criteria combine with "and".
 *
 * <p>The time window is {@code from <= at < to}, where {@code at} is when the record was
 * dead-lettered. Date-times are parsed like Kafka's {@code kafka-consumer-groups --to-datetime}
 * ({@code YYYY-MM-DDTHH:mm:SS.sss}, UTC when no zone is given) and also accept ISO-8601 with an
 * offset or zone; {@code --by-duration} ({@code PT1H}) means "dead-lettered within the last hour".
 */
public record DeadLetterFilter(Set<String> tenants, Set<String> flows, Set<String> actions, Set<String> stages,
                               Set<String> reasons, Pattern error, Instant from, Instant to)
    implements Predicate<DeadLetterEntry> {

  public static final DeadLetterFilter ALL = builder().build();

  private static final DateTimeFormatter LOCAL_DATE_TIME = new DateTimeFormatterBuilder()
      .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME).toFormatter(Locale.ROOT);
  private static final DateTimeFormatter OFFSET_WITHOUT_COLON = new DateTimeFormatterBuilder()
      .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME).appendOffset("+HHMM", "Z").toFormatter(Locale.ROOT);

  public DeadLetterFilter {
    tenants = Set.copyOf(tenants);
    flows = Set.copyOf(flows);
    actions = Set.copyOf(actions);
    stages = Set.copyOf(stages);
    reasons = reasons.stream().map(r -> r.toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    if (from != null && to != null && !from.isBefore(to)) {
      throw new IllegalArgumentException("the time window is empty: from " + from + " is not before to " + to);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public boolean test(DeadLetterEntry entry) {
    return matches(tenants, entry.tenant())
        && matches(flows, entry.flow())
        && matches(actions, entry.action())
        && matches(stages, entry.stage())
        && (reasons.isEmpty() || reasons.contains(entry.reason().toUpperCase(Locale.ROOT)))
        && (error == null || entry.errorTexts().stream().anyMatch(text -> error.matcher(text).find()))
        && (from == null || !entry.at().isBefore(from))
        && (to == null || entry.at().isBefore(to));
  }

  /** The criteria in force, e.g. {@code tenant=acme reason=EXECUTION_FAILED}, or {@code (none)}. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    describe(parts, "tenant", tenants);
    describe(parts, "flow", flows);
    describe(parts, "action", actions);
    describe(parts, "stage", stages);
    describe(parts, "reason", reasons);
    if (error != null) {
      parts.add("error~/" + error.pattern() + "/");
    }
    if (from != null) {
      parts.add("from=" + from);
    }
    if (to != null) {
      parts.add("to=" + to);
    }
    return parts.isEmpty() ? "(none)" : String.join(" ", parts);
  }

  /**
   * Parses a point in time the way Kafka's tools do ({@code 2026-11-25T10:00:00.000}, UTC) and
   * also with an offset or zone ({@code ...Z}, {@code ...+01:00}, {@code ...+0100},
   * {@code ...+01:00[Europe/Paris]}), with or without fraction of seconds, or a bare date (midnight UTC).
   */
  public static Instant parseDateTime(String text) {
    String value = text == null ? "" : text.strip();
    if (value.isEmpty()) {
      throw new IllegalArgumentException("empty date-time");
    }
    for (DateTimeFormatter zoned : List.of(DateTimeFormatter.ISO_OFFSET_DATE_TIME, OFFSET_WITHOUT_COLON)) {
      try {
        return OffsetDateTime.parse(value, zoned).toInstant();
      } catch (DateTimeParseException ignored) {
        // try the next form
      }
    }
    try {
      return ZonedDateTime.parse(value, DateTimeFormatter.ISO_ZONED_DATE_TIME).toInstant();
    } catch (DateTimeParseException ignored) {
      // try the next form
    }
    try {
      return LocalDateTime.parse(value, LOCAL_DATE_TIME).toInstant(ZoneOffset.UTC);
    } catch (DateTimeParseException ignored) {
      // try the next form
    }
    try {
      return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("cannot parse date-time '" + text
          + "': use YYYY-MM-DDTHH:mm:SS.sss (UTC) or ISO-8601 with a zone, e.g. 2026-11-25T10:00:00+01:00");
    }
  }

  /** Parses an ISO-8601 duration such as {@code PT1H} or {@code P1DT2H}; it must be positive. */
  public static Duration parseDuration(String text) {
    Duration duration;
    try {
      duration = Duration.parse(text == null ? "" : text.strip().toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("cannot parse duration '" + text + "': use ISO-8601 such as PT30M, PT1H or P1DT12H");
    }
    if (duration.isZero() || duration.isNegative()) {
      throw new IllegalArgumentException("duration must be positive: " + text);
    }
    return duration;
  }

  private static boolean matches(Set<String> wanted, String actual) {
    return wanted.isEmpty() || (actual != null && wanted.contains(actual));
  }

  private static void describe(List<String> parts, String name, Set<String> values) {
    if (!values.isEmpty()) {
      parts.add(name + "=" + String.join(",", new TreeSet<>(values)));
    }
  }

  /** Collects criteria; {@link #byDuration} and {@link #from} exclude each other as in Kafka's tools. */
  public static final class Builder {
    private final Set<String> tenants = new LinkedHashSet<>();
    private final Set<String> flows = new LinkedHashSet<>();
    private final Set<String> actions = new LinkedHashSet<>();
    private final Set<String> stages = new LinkedHashSet<>();
    private final Set<String> reasons = new LinkedHashSet<>();
    private Pattern error;
    private Instant from;
    private Instant to;
    private Duration byDuration;
    private Clock clock = Clock.systemUTC();

    public Builder tenants(Collection<String> values) {
      tenants.addAll(values);
      return this;
    }

    public Builder flows(Collection<String> values) {
      flows.addAll(values);
      return this;
    }

    public Builder actions(Collection<String> values) {
      actions.addAll(values);
      return this;
    }

    public Builder stages(Collection<String> values) {
      stages.addAll(values);
      return this;
    }

    public Builder reasons(Collection<String> values) {
      reasons.addAll(values);
      return this;
    }

    /** A regex searched (not fully matched) in the error class, message and each attempt's error. */
    public Builder error(String regex) {
      if (regex == null) {
        error = null;
        return this;
      }
      try {
        error = Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("invalid --error regex: " + e.getDescription() + " in '" + regex + "'");
      }
      return this;
    }

    public Builder from(Instant value) {
      from = value;
      return this;
    }

    public Builder to(Instant value) {
      to = value;
      return this;
    }

    public Builder byDuration(Duration value) {
      byDuration = value;
      return this;
    }

    public Builder clock(Clock value) {
      clock = value;
      return this;
    }

    public DeadLetterFilter build() {
      Instant start = from;
      if (byDuration != null) {
        if (from != null) {
          throw new IllegalArgumentException("--by-duration and --from-datetime cannot be used together");
        }
        try {
          start = clock.instant().minus(byDuration).truncatedTo(ChronoUnit.MILLIS);
        } catch (DateTimeException | ArithmeticException e) {
          throw new IllegalArgumentException("duration too long: " + byDuration);
        }
      }
      return new DeadLetterFilter(tenants, flows, actions, stages, reasons, error, start, to);
    }
  }
}
