package dev.tracegate.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import dev.tracegate.config.LogFormat;
import java.util.List;
import org.slf4j.event.KeyValuePair;

/**
 * One record, one line: {@code text} reads {@code 2026-12-02T11:43:06.120Z WARN
 * dev.tracegate.proxy.UpstreamCall: message trace_id=… span_id=…} (a stack trace, if any, on the
 * lines below); {@code json} is one object per line with {@code timestamp}, {@code level}, {@code
 * logger}, {@code thread}, {@code message}, every key-value pair of the record ({@code trace_id},
 * {@code span_id}, …) and {@code exception}.
 */
final class LineLayout extends LayoutBase<ILoggingEvent> {
  private final LogFormat format;

  LineLayout(LogFormat format) {
    this.format = format;
  }

  @Override
  public String doLayout(ILoggingEvent event) {
    return format == LogFormat.JSON ? json(event) : text(event);
  }

  private static String text(ILoggingEvent e) {
    StringBuilder out = new StringBuilder(160);
    Timestamps.append(out, e.getTimeStamp()).append(' ');
    String level = e.getLevel().toString();
    out.append(level).append(" ".repeat(Math.max(1, 6 - level.length())));
    out.append(e.getLoggerName()).append(": ").append(e.getFormattedMessage());
    List<KeyValuePair> pairs = e.getKeyValuePairs();
    if (pairs != null) {
      for (KeyValuePair kv : pairs) {
        out.append(' ').append(kv.key).append('=').append(kv.value);
      }
    }
    out.append(CoreConstants.LINE_SEPARATOR);
    IThrowableProxy thrown = e.getThrowableProxy();
    if (thrown != null) {
      out.append(ThrowableProxyUtil.asString(thrown)).append(CoreConstants.LINE_SEPARATOR);
    }
    return out.toString();
  }

  private static String json(ILoggingEvent e) {
    StringBuilder out = new StringBuilder(200).append('{');
    JsonText.key(out, "timestamp").append('"');
    Timestamps.append(out, e.getTimeStamp()).append('"');
    JsonText.quote(JsonText.key(out, "level"), e.getLevel().toString());
    JsonText.quote(JsonText.key(out, "logger"), e.getLoggerName());
    JsonText.quote(JsonText.key(out, "thread"), e.getThreadName());
    JsonText.quote(JsonText.key(out, "message"), e.getFormattedMessage());
    List<KeyValuePair> pairs = e.getKeyValuePairs();
    if (pairs != null) {
      for (KeyValuePair kv : pairs) {
        JsonText.quote(JsonText.key(out, kv.key), kv.value == null ? null : kv.value.toString());
      }
    }
    IThrowableProxy thrown = e.getThrowableProxy();
    if (thrown != null) {
      JsonText.quote(JsonText.key(out, "exception"), ThrowableProxyUtil.asString(thrown));
    }
    return out.append('}').append('\n').toString();
  }
}
