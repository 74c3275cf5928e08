/**
 * Prometheus metrics through Micrometer, with trace-id exemplars on the request histograms. Sees
 * requests, upstream attempts and statements after the fact; must stay cheap and never throw.
 */
package dev.tracegate.metrics;
