/**
 * The gateway's own log records on SLF4J and Logback, for tracegate, Vert.x, Netty, the pg client
 * and (bridged from java.util.logging) the OpenTelemetry SDK alike: one line per record, text or
 * JSON, written by an asynchronous appender that drops rather than blocks an event loop. Records
 * about a request carry its {@code trace_id} and {@code span_id} as key-value pairs taken from the
 * request's span ({@link dev.tracegate.logging.RequestLogs}), never from a thread-local MDC.
 */
package dev.tracegate.logging;
