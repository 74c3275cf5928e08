/**
 * The OpenTelemetry SDK for the process: resource, samplers (per-route too), propagators, the
 * bounded OTLP export with its accounting ({@code SpanStats}), the recent-trace buffer, captured
 * headers, and the attribute keys and error marking every span owner uses. Never fails a request.
 *
 * <h2>How spans are made in tracegate</h2>
 *
 * <ul>
 *   <li><b>Explicit parents, always.</b> Every span is started with {@code setParent(context)} from
 *       a context the code holds: the request's {@code Exchange.context()} (the SERVER span), or a
 *       context made from it ({@code exchange.context().with(stepSpan)}). Nothing reads {@code
 *       Context.current()} or {@code Span.current()} to find its parent: an event loop runs many
 *       requests' callbacks interleaved, and whatever is current there may belong to another.
 *   <li><b>One owner per span, which ends it on every path.</b> The SERVER span belongs to {@code
 *       RequestHandler}: ended once, when the response has ended or the connection is gone. An
 *       upstream attempt's CLIENT span belongs to its {@code UpstreamCall.Attempt} until the
 *       answer's head arrives, then to the {@code UpstreamReply}, ended when the body has been
 *       relayed or read (before the response ends). A SQL CLIENT span belongs to its {@code
 *       SqlRunner} execution, ended when the statement is over, also after a timeout has already
 *       answered the client (the span then waits for the server's cancel). A compose step's
 *       INTERNAL span belongs to {@code Fanout}. Owners end spans in {@code onComplete}-style
 *       handlers that see success and failure alike, and register with {@code Exchange.onCancel}
 *       what must stop when the request is abandoned.
 *   <li><b>Children end before their parents</b>, because each owner waits for the work it started:
 *       the request ends after its attempts, statements and steps have ended (or been cancelled and
 *       ended).
 *   <li><b>Failures are marked where they are known</b>, through {@link
 *       dev.tracegate.telemetry.Spans#fail}: status ERROR, {@code error.type}, an {@code exception}
 *       event.
 *   <li><b>Propagation out</b> is injected from the attempt's own context ({@code
 *       parent.with(clientSpan)}), after the incoming trace headers were removed, so the upstream's
 *       parent is exactly that CLIENT span.
 *   <li>Vert.x's own tracing is off for the gateway's server and clients ({@code
 *       TracingPolicy.IGNORE}); Vert.x only supplies the context storage.
 * </ul>
 */
package dev.tracegate.telemetry;
