/**
 * The OpenTelemetry SDK for the process: resource, samplers (per-route too), propagators, the
 * bounded OTLP export with its accounting ({@code SpanStats}), the recent-trace buffer, and the
 * attribute keys and error marking every span owner uses. Never fails a request.
 */
package dev.tracegate.telemetry;
