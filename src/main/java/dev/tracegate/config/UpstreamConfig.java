package dev.tracegate.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A named upstream service: its endpoints and how patiently tracegate talks to them. */
public record UpstreamConfig(
    String name,
    List<URI> urls,
    Duration connectTimeout,
    Duration timeout,
    Duration idleTimeout,
    int maxConnections,
    Optional<CircuitBreaker> circuitBreaker,
    Optional<OutlierDetection> outlierDetection,
    Optional<HealthCheck> healthCheck) {

  /**
   * {@code healthCheck}: {@code GET path} every {@code interval}; out after {@code unhealthyAfter}
   * failures, in after {@code healthyAfter} passes.
   */
  public record HealthCheck(
      String path, Duration interval, Duration timeout, int unhealthyAfter, int healthyAfter) {}

  /**
   * {@code outlierDetection}: {@code consecutiveFailures} in a row eject an endpoint for {@code
   * baseEjection} times the number of its ejections; at most {@code maxEjectedPercent} out.
   */
  public record OutlierDetection(
      int consecutiveFailures, Duration baseEjection, int maxEjectedPercent) {}

  /**
   * {@code circuitBreaker}: open when at least {@code minRequests} attempts in the last {@code
   * window} failed in a ratio of {@code failureRatio} or more; open for {@code openFor}, then one
   * probe at a time until one succeeds.
   */
  public record CircuitBreaker(
      double failureRatio, int minRequests, Duration window, Duration openFor) {}

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_CONNECTIONS = 128;

  public UpstreamConfig {
    urls = List.copyOf(urls);
  }
}
