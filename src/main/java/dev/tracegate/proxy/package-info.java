/**
 * Upstream calls: per-event-loop connection pools, endpoint selection with ejection, one CLIENT
 * span per attempt (also for attempts that never reached a socket), timeouts, retries and header
 * hygiene. Must not write error responses itself: it fails with a {@code GatewayError}.
 */
package dev.tracegate.proxy;
