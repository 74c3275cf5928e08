package dev.tracegate.admin;

import dev.tracegate.linkage.LinkageAudit;
import dev.tracegate.telemetry.RecentTraces;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code GET /traces?limit=N}, {@code GET /traces/{traceId}[?format=text|otlp]} and {@code GET
 * /linkage[?format=text]} on the admin port.
 */
public final class TraceRoutes {
  static final int DEFAULT_LIMIT = 20;

  private final RecentTraces recent;
  private final LinkageAudit audit;

  private TraceRoutes(RecentTraces recent, LinkageAudit audit) {
    this.recent = recent;
    this.audit = audit;
  }

  public static void mount(Router router, RecentTraces recent, LinkageAudit audit) {
    TraceRoutes routes = new TraceRoutes(recent, audit);
    router.get("/traces").handler(routes::list);
    router.get("/traces/:traceId").handler(routes::one);
    router.get("/linkage").handler(routes::linkage);
  }

  private void linkage(RoutingContext ctx) {
    if ("text".equals(ctx.request().getParam("format"))) {
      ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").end(audit.text());
    } else {
      ctx.response()
          .putHeader("Content-Type", "application/json")
          .end(audit.report().encodePrettily());
    }
  }

  private void list(RoutingContext ctx) {
    int limit = DEFAULT_LIMIT;
    String given = ctx.request().getParam("limit");
    if (given != null) {
      try {
        limit = Math.max(1, Math.min(10_000, Integer.parseInt(given)));
      } catch (NumberFormatException e) {
        AdminServer.json(
            ctx,
            400,
            new JsonObject().put("error", "bad_request").put("message", "limit must be a number"));
        return;
      }
    }
    JsonArray out = new JsonArray();
    for (String id : recent.newest(limit)) {
      List<SpanData> spans = recent.trace(id);
      if (!spans.isEmpty()) {
        out.add(new TraceView(spans).summary());
      }
    }
    ctx.response().putHeader("Content-Type", "application/json").end(out.encodePrettily());
  }

  private void one(RoutingContext ctx) {
    String id = ctx.pathParam("traceId").toLowerCase();
    List<SpanData> spans = recent.trace(id);
    if (spans.isEmpty()) {
      AdminServer.json(
          ctx,
          404,
          new JsonObject()
              .put("error", "not_found")
              .put("message", "trace " + id + " is not among the recent traces"));
      return;
    }
    String format = ctx.request().getParam("format");
    if ("otlp".equals(format)) {
      ctx.response()
          .putHeader("Content-Type", "application/json")
          .putHeader("Content-Disposition", "attachment; filename=\"trace-" + id + ".json\"")
          .end(OtlpJson.encode(spans).encode());
      return;
    }
    TraceView view = new TraceView(spans);
    if ("text".equals(format)) {
      ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").end(view.text());
    } else {
      ctx.response()
          .putHeader("Content-Type", "application/json")
          .end(view.json().encodePrettily());
    }
  }
}
