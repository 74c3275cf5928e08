package dev.tracegate.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/** A named upstream service: its endpoints and how patiently tracegate talks to them. */
public record UpstreamConfig(
    String name,
    List<URI> urls,
    Duration connectTimeout,
    Duration timeout,
    Duration idleTimeout,
    int maxConnections) {
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_CONNECTIONS = 128;

  public UpstreamConfig {
    urls = List.copyOf(urls);
  }
}
