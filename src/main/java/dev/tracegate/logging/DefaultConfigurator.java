package dev.tracegate.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;
import dev.tracegate.config.LogFormat;

/**
 * Logback's configuration until {@link Logging#configure} has read {@code logging.format}: text
 * lines on standard error, as the gateway writes them later (not Logback's own DEBUG-to-stdout
 * default). Found through {@code META-INF/services}; a user's configuration file wins.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class DefaultConfigurator extends ContextAwareBase implements Configurator {
  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (Logging.userConfigured()) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    Logging.install(context, LogFormat.TEXT);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
