package dev.tracegate.telemetry;

import io.opentelemetry.api.common.AttributeKey;

/**
 * Attribute keys of the stable HTTP and database semantic conventions that tracegate sets, plus
 * its own {@code tracegate.*} keys. Built once; typed, so status codes and ports stay integers.
 */
public final class Attr {
  private Attr() {}

  public static final AttributeKey<String> HTTP_REQUEST_METHOD = AttributeKey.stringKey("http.request.method");
  public static final AttributeKey<String> HTTP_REQUEST_METHOD_ORIGINAL = AttributeKey.stringKey("http.request.method_original");
  public static final AttributeKey<Long> HTTP_RESPONSE_STATUS_CODE = AttributeKey.longKey("http.response.status_code");
  public static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
  public static final AttributeKey<Long> HTTP_REQUEST_RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
  public static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
  public static final AttributeKey<String> URL_SCHEME = AttributeKey.stringKey("url.scheme");
  public static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
  public static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  public static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  public static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
  public static final AttributeKey<String> USER_AGENT = AttributeKey.stringKey("user_agent.original");
  public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  public static final AttributeKey<String> DB_SYSTEM_NAME = AttributeKey.stringKey("db.system.name");
  public static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system");
  public static final AttributeKey<String> DB_NAMESPACE = AttributeKey.stringKey("db.namespace");
  public static final AttributeKey<String> DB_QUERY_TEXT = AttributeKey.stringKey("db.query.text");
  public static final AttributeKey<String> DB_OPERATION_NAME = AttributeKey.stringKey("db.operation.name");
  public static final AttributeKey<String> DB_COLLECTION_NAME = AttributeKey.stringKey("db.collection.name");
  public static final AttributeKey<String> DB_RESPONSE_STATUS_CODE = AttributeKey.stringKey("db.response.status_code");
  public static final AttributeKey<Long> DB_RESPONSE_RETURNED_ROWS = AttributeKey.longKey("db.response.returned_rows");

  public static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
  public static final AttributeKey<String> MESSAGING_DESTINATION = AttributeKey.stringKey("messaging.destination.name");
  public static final AttributeKey<String> MESSAGING_OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
  public static final AttributeKey<String> MESSAGING_OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");

  public static final AttributeKey<String> ROUTE = AttributeKey.stringKey("tracegate.route");
  public static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("tracegate.upstream");
  public static final AttributeKey<String> STEP = AttributeKey.stringKey("tracegate.step");
  public static final AttributeKey<String> ERROR_KEY = AttributeKey.stringKey("tracegate.error");
  public static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("tracegate.request_id");
  /** The upstream's name: Jaeger's service graph and Monitor tab read {@code peer.service}... */
  public static final AttributeKey<String> PEER_SERVICE = AttributeKey.stringKey("peer.service");
  /** ...which the semantic conventions renamed to {@code service.peer.name}; both are set. */
  public static final AttributeKey<String> SERVICE_PEER_NAME = AttributeKey.stringKey("service.peer.name");
}
