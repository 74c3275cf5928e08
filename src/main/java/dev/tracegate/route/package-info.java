/**
 * The front of every request: matching to an immutable {@code Route}, admission, the SERVER span,
 * the deadline, bounded body reading, and the one error type ({@code GatewayError}) with the one
 * place it becomes a response. Targets (proxy, SQL, compose) plug in through {@code RouteTarget}.
 */
package dev.tracegate.route;
