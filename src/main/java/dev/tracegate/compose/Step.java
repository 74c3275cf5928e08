package dev.tracegate.compose;

import dev.tracegate.bus.BusCall;
import dev.tracegate.config.RouteConfig;
import dev.tracegate.proxy.PathTemplate;
import dev.tracegate.proxy.Upstream;
import dev.tracegate.proxy.UpstreamCall;
import dev.tracegate.proxy.UpstreamReply;
import dev.tracegate.route.ErrorKey;
import dev.tracegate.route.Exchange;
import dev.tracegate.route.GatewayError;
import dev.tracegate.route.RequestIds;
import dev.tracegate.sql.SqlRunner;
import dev.tracegate.sql.SqlStatement;
import dev.tracegate.sql.SqlTarget;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;

/**
 * One compose step, compiled once: a GET to an upstream path template, a SQL statement, or an
 * event-bus call.
 */
final class Step {
  /** Answers up to this size are parsed on the event loop (well under a millisecond). */
  static final int PARSE_INLINE_BYTES = 64 * 1024;

  final RouteConfig.Step config;
  final String spanName;
  private final Upstream upstream;
  private final SqlStatement statement;
  private final SqlRunner sql;
  private final BusCall bus;
  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final boolean baggagePropagated;
  private final long maxBytes;

  Step(
      RouteConfig.Step config,
      Upstream upstream,
      SqlRunner sql,
      BusCall bus,
      Tracer tracer,
      TextMapPropagator propagator,
      boolean baggagePropagated,
      String routeName,
      long maxBytes) {
    this.config = config;
    this.spanName = "compose " + config.name();
    this.upstream = upstream;
    this.statement =
        config.call() instanceof RouteConfig.Sql s
            ? new SqlStatement(s, routeName + "." + config.name())
            : null;
    this.sql = sql;
    this.bus = bus;
    this.tracer = tracer;
    this.propagator = propagator;
    this.baggagePropagated = baggagePropagated;
    this.maxBytes = maxBytes;
  }

  String name() {
    return config.name();
  }

  List<String> after() {
    return config.after();
  }

  boolean readsBody() {
    return statement != null && statement.readsBody() || bus != null;
  }

  /**
   * Runs the step under {@code parent} (its INTERNAL span); {@code results} gives earlier steps'
   * answers.
   */
  Future<Object> run(Exchange ex, Context parent, Function<String, Object> results) {
    if (statement != null) {
      return SqlTarget.query(sql, statement, ex, parent);
    }
    if (bus != null) {
      JsonObject message;
      try {
        message = BusCall.message(ex, List.of());
      } catch (GatewayError e) {
        return Future.failedFuture(e);
      }
      return bus.call(ex, parent, message).map(reply -> reply == null ? null : reply.body());
    }
    RouteConfig.Proxy p = (RouteConfig.Proxy) config.call();
    String uri;
    try {
      uri = PathTemplate.expand(p.path().orElseThrow(), ex, results);
    } catch (GatewayError e) {
      return Future.failedFuture(e);
    }
    String requestId = ex.outcome().requestId();
    String baggage = baggagePropagated ? null : ex.request().getHeader("baggage");
    UpstreamCall.Headers headers =
        out -> {
          out.set("Accept", "application/json");
          out.set(RequestIds.HEADER, requestId);
          if (baggage != null) {
            out.set("baggage", baggage);
          }
        };
    long timeoutMs = p.timeout().orElse(upstream.config().timeout()).toMillis();
    UpstreamCall.Plan plan =
        new UpstreamCall.Plan(
            HttpMethod.GET, uri, headers, Buffer.buffer(), timeoutMs, p.retries());
    return UpstreamCall.start(upstream, tracer, propagator, ex, parent, plan)
        .compose(this::readJson);
  }

  private Future<Object> readJson(UpstreamReply reply) {
    int status = reply.response().statusCode();
    return readBounded(reply)
        .andThen(ar -> reply.end(ar.failed() ? ar.cause() : null))
        .compose(
            body -> {
              if (status >= 400) {
                return Future.failedFuture(
                    new GatewayError(
                        ErrorKey.UPSTREAM_UNAVAILABLE,
                        "upstream '" + upstream.name() + "' answered " + status,
                        Integer.toString(status),
                        null));
              }
              if (body.length() <= PARSE_INLINE_BYTES) {
                return Future.succeededFuture(parse(body));
              }
              // a large answer is parsed on a worker: the event loop serves other requests
              // meanwhile
              return Vertx.currentContext().owner().executeBlocking(() -> parse(body), false);
            },
            failure ->
                Future.failedFuture(
                    failure instanceof GatewayError
                        ? failure
                        : new GatewayError(
                            ErrorKey.UPSTREAM_UNAVAILABLE,
                            "the answer from upstream '" + upstream.name() + "' broke off",
                            failure.getClass().getName(),
                            failure)));
  }

  /**
   * The answer's body, at most {@code maxStepBytes} of it: a larger one (declared, or as it
   * arrives) resets the upstream request and fails {@code response_too_large}, so no step holds
   * more than its bound in memory.
   */
  private Future<Buffer> readBounded(UpstreamReply reply) {
    HttpClientResponse response = reply.response();
    Promise<Buffer> done = Promise.promise();
    String declared = response.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null && declared.matches("\\d{1,18}") && Long.parseLong(declared) > maxBytes) {
      response.exceptionHandler(e -> {}); // the reset is ours, not an error to report
      response.request().reset(0);
      return Future.failedFuture(tooLarge());
    }
    Buffer body = Buffer.buffer();
    response.handler(
        chunk -> {
          if (done.future().isComplete()) {
            return;
          }
          if (body.length() + chunk.length() > maxBytes) {
            done.tryFail(tooLarge());
            response.request().reset(0);
          } else {
            body.appendBuffer(chunk);
          }
        });
    response.exceptionHandler(done::tryFail);
    response.endHandler(v -> done.tryComplete(body));
    return done.future();
  }

  private GatewayError tooLarge() {
    return new GatewayError(
        ErrorKey.UPSTREAM_UNAVAILABLE,
        "the answer from upstream '"
            + upstream.name()
            + "' is larger than the step's bound of "
            + maxBytes
            + " bytes",
        "response_too_large",
        null);
  }

  private static Object parse(Buffer body) {
    if (body.length() == 0) {
      return null;
    }
    try {
      return Json.decodeValue(body);
    } catch (DecodeException e) {
      return body.toString();
    }
  }
}
