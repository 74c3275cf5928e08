/**
 * The access log: one record per finished request (errors, 404s and refusals included), captured on
 * the event loop as an immutable {@code AccessRecord} once the SERVER span has ended, then
 * formatted and written by one background thread behind a bounded queue. A full queue, a slow
 * terminal or a full disk drops records and counts them; a request never waits for its record.
 * Optionally each record also leaves as an OTLP log record carrying the request's trace and span
 * ids.
 */
package dev.tracegate.accesslog;
