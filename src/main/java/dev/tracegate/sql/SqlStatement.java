package dev.tracegate.sql;

import dev.tracegate.config.RouteConfig;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A configured statement with what its span needs worked out once: the operation, the table when it
 * is clear, and the span name ({@code SELECT stock}, or the route's name otherwise).
 */
public final class SqlStatement {
  private static final Pattern OPERATION = Pattern.compile("^\\s*([A-Za-z]+)");
  private static final Pattern TABLE =
      Pattern.compile("(?i)\\b(?:from|into|update|join)\\s+(\"?[A-Za-z_][A-Za-z0-9_.]*\"?)");

  final RouteConfig.Sql config;
  final String text;
  final String operation;
  final Optional<String> table;
  final String spanName;
  final long timeoutMs;

  public SqlStatement(RouteConfig.Sql config, String fallbackName) {
    this.config = config;
    this.text = config.query();
    Matcher op = OPERATION.matcher(text);
    this.operation = op.find() ? op.group(1).toUpperCase(Locale.ROOT) : "QUERY";
    Matcher t = TABLE.matcher(text);
    this.table = t.find() ? Optional.of(t.group(1).replace("\"", "")) : Optional.empty();
    this.spanName = table.map(tb -> operation + " " + tb).orElse(fallbackName);
    this.timeoutMs = config.timeout().orElseThrow().toMillis();
  }

  public boolean readsBody() {
    return config.params().stream().anyMatch(p -> p.source() == RouteConfig.SqlParam.Source.BODY);
  }
}
