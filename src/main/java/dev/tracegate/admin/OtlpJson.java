package dev.tracegate.admin;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Spans as an OTLP {@code ExportTraceServiceRequest} in the OTLP/JSON encoding: what a collector
 * accepts on {@code /v1/traces} with {@code application/json} and what Jaeger's UI loads (Search,
 * Upload). The encoding's own rules, which differ from protobuf's generic JSON mapping: trace and
 * span ids as lower-case hex, enums as integers, 64-bit integers as decimal strings.
 */
final class OtlpJson {
  private OtlpJson() {}

  static JsonObject encode(List<SpanData> spans) {
    Map<Resource, Map<InstrumentationScopeInfo, JsonArray>> grouped = new LinkedHashMap<>();
    for (SpanData s : spans) {
      grouped
          .computeIfAbsent(s.getResource(), r -> new LinkedHashMap<>())
          .computeIfAbsent(s.getInstrumentationScopeInfo(), i -> new JsonArray())
          .add(span(s));
    }
    JsonArray resourceSpans = new JsonArray();
    grouped.forEach(
        (resource, scopes) -> {
          JsonArray scopeSpans = new JsonArray();
          scopes.forEach(
              (scope, list) -> {
                JsonObject scopeJson = new JsonObject().put("name", scope.getName());
                if (scope.getVersion() != null) {
                  scopeJson.put("version", scope.getVersion());
                }
                scopeSpans.add(new JsonObject().put("scope", scopeJson).put("spans", list));
              });
          JsonObject out =
              new JsonObject()
                  .put(
                      "resource",
                      new JsonObject().put("attributes", attributes(resource.getAttributes())))
                  .put("scopeSpans", scopeSpans);
          if (resource.getSchemaUrl() != null) {
            out.put("schemaUrl", resource.getSchemaUrl());
          }
          resourceSpans.add(out);
        });
    return new JsonObject().put("resourceSpans", resourceSpans);
  }

  private static JsonObject span(SpanData s) {
    JsonObject out = new JsonObject().put("traceId", s.getTraceId()).put("spanId", s.getSpanId());
    if (s.getParentSpanContext().isValid()) {
      out.put("parentSpanId", s.getParentSpanId());
    }
    String traceState =
        s.getSpanContext().getTraceState().asMap().entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .reduce((a, b) -> a + "," + b)
            .orElse("");
    if (!traceState.isEmpty()) {
      out.put("traceState", traceState);
    }
    out.put("name", s.getName())
        .put("kind", kind(s.getKind()))
        .put("startTimeUnixNano", Long.toString(s.getStartEpochNanos()))
        .put("endTimeUnixNano", Long.toString(s.getEndEpochNanos()))
        .put("attributes", attributes(s.getAttributes()));
    JsonArray events = new JsonArray();
    for (EventData e : s.getEvents()) {
      events.add(
          new JsonObject()
              .put("timeUnixNano", Long.toString(e.getEpochNanos()))
              .put("name", e.getName())
              .put("attributes", attributes(e.getAttributes())));
    }
    JsonArray links = new JsonArray();
    for (LinkData l : s.getLinks()) {
      links.add(
          new JsonObject()
              .put("traceId", l.getSpanContext().getTraceId())
              .put("spanId", l.getSpanContext().getSpanId())
              .put("attributes", attributes(l.getAttributes())));
    }
    out.put("events", events).put("links", links);
    JsonObject status = new JsonObject().put("code", statusCode(s.getStatus().getStatusCode()));
    if (!s.getStatus().getDescription().isEmpty()) {
      status.put("message", s.getStatus().getDescription());
    }
    return out.put("status", status);
  }

  /** {@code SPAN_KIND_INTERNAL} = 1 ... {@code SPAN_KIND_CONSUMER} = 5 of the proto. */
  private static int kind(SpanKind kind) {
    switch (kind) {
      case SERVER:
        return 2;
      case CLIENT:
        return 3;
      case PRODUCER:
        return 4;
      case CONSUMER:
        return 5;
      default:
        return 1;
    }
  }

  private static int statusCode(StatusCode code) {
    switch (code) {
      case OK:
        return 1;
      case ERROR:
        return 2;
      default:
        return 0;
    }
  }

  private static JsonArray attributes(Attributes attributes) {
    JsonArray out = new JsonArray();
    attributes.forEach(
        (key, value) ->
            out.add(new JsonObject().put("key", key.getKey()).put("value", value(key, value))));
    return out;
  }

  private static JsonObject value(AttributeKey<?> key, Object value) {
    switch (key.getType()) {
      case BOOLEAN:
        return new JsonObject().put("boolValue", value);
      case LONG:
        return new JsonObject().put("intValue", value.toString());
      case DOUBLE:
        return new JsonObject().put("doubleValue", value);
      case STRING_ARRAY:
      case BOOLEAN_ARRAY:
      case LONG_ARRAY:
      case DOUBLE_ARRAY:
        JsonArray values = new JsonArray();
        for (Object item : (List<?>) value) {
          values.add(scalar(item));
        }
        return new JsonObject().put("arrayValue", new JsonObject().put("values", values));
      default:
        return new JsonObject().put("stringValue", String.valueOf(value));
    }
  }

  private static JsonObject scalar(Object item) {
    if (item instanceof Boolean) {
      return new JsonObject().put("boolValue", item);
    }
    if (item instanceof Long) {
      return new JsonObject().put("intValue", item.toString());
    }
    if (item instanceof Double) {
      return new JsonObject().put("doubleValue", item);
    }
    return new JsonObject().put("stringValue", String.valueOf(item));
  }
}
