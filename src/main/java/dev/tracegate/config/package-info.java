/**
 * Configuration as data: YAML and environment ({@code TRACEGATE_*}, {@code OTEL_*}) into immutable,
 * validated records, with one exception type that names the YAML key. Knows nothing of Vert.x or
 * OpenTelemetry at run time; everything else reads only the records.
 */
package dev.tracegate.config;
