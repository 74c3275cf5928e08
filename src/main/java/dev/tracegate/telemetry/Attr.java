package dev.tracegate.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.semconv.ClientAttributes;
import io.opentelemetry.semconv.DbAttributes;
import io.opentelemetry.semconv.ErrorAttributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import io.opentelemetry.semconv.UrlAttributes;
import io.opentelemetry.semconv.UserAgentAttributes;

/**
 * The attribute keys tracegate sets, in one place: the stable HTTP, URL, server, client, error and
 * database conventions from {@code io.opentelemetry.semconv}, the messaging ones (still incubating
 * there, so spelled here), the legacy {@code db.system} and {@code peer.service} that Jaeger's UI
 * still reads, and tracegate's own {@code tracegate.*}. Typed, so status codes and ports stay
 * integers.
 */
public final class Attr {
  private Attr() {}

  public static final AttributeKey<String> HTTP_REQUEST_METHOD = HttpAttributes.HTTP_REQUEST_METHOD;
  public static final AttributeKey<String> HTTP_REQUEST_METHOD_ORIGINAL =
      HttpAttributes.HTTP_REQUEST_METHOD_ORIGINAL;
  public static final AttributeKey<Long> HTTP_RESPONSE_STATUS_CODE =
      HttpAttributes.HTTP_RESPONSE_STATUS_CODE;
  public static final AttributeKey<String> HTTP_ROUTE = HttpAttributes.HTTP_ROUTE;
  public static final AttributeKey<Long> HTTP_REQUEST_RESEND_COUNT =
      HttpAttributes.HTTP_REQUEST_RESEND_COUNT;
  public static final AttributeKey<String> URL_PATH = UrlAttributes.URL_PATH;
  public static final AttributeKey<String> URL_SCHEME = UrlAttributes.URL_SCHEME;
  public static final AttributeKey<String> URL_FULL = UrlAttributes.URL_FULL;
  public static final AttributeKey<String> SERVER_ADDRESS = ServerAttributes.SERVER_ADDRESS;
  public static final AttributeKey<Long> SERVER_PORT = ServerAttributes.SERVER_PORT;
  public static final AttributeKey<String> CLIENT_ADDRESS = ClientAttributes.CLIENT_ADDRESS;
  public static final AttributeKey<String> USER_AGENT = UserAgentAttributes.USER_AGENT_ORIGINAL;
  public static final AttributeKey<String> ERROR_TYPE = ErrorAttributes.ERROR_TYPE;

  public static final AttributeKey<String> DB_SYSTEM_NAME = DbAttributes.DB_SYSTEM_NAME;
  public static final AttributeKey<String> DB_SYSTEM = AttributeKey.stringKey("db.system");
  public static final AttributeKey<String> DB_NAMESPACE = DbAttributes.DB_NAMESPACE;
  public static final AttributeKey<String> DB_QUERY_TEXT = DbAttributes.DB_QUERY_TEXT;
  public static final AttributeKey<String> DB_OPERATION_NAME = DbAttributes.DB_OPERATION_NAME;
  public static final AttributeKey<String> DB_COLLECTION_NAME = DbAttributes.DB_COLLECTION_NAME;
  public static final AttributeKey<String> DB_RESPONSE_STATUS_CODE =
      DbAttributes.DB_RESPONSE_STATUS_CODE;
  public static final AttributeKey<Long> DB_RESPONSE_RETURNED_ROWS =
      AttributeKey.longKey("db.response.returned_rows");

  public static final AttributeKey<String> MESSAGING_SYSTEM =
      AttributeKey.stringKey("messaging.system");
  public static final AttributeKey<String> MESSAGING_DESTINATION =
      AttributeKey.stringKey("messaging.destination.name");
  public static final AttributeKey<String> MESSAGING_OPERATION_TYPE =
      AttributeKey.stringKey("messaging.operation.type");
  public static final AttributeKey<String> MESSAGING_OPERATION_NAME =
      AttributeKey.stringKey("messaging.operation.name");

  public static final AttributeKey<String> ROUTE = AttributeKey.stringKey("tracegate.route");
  public static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("tracegate.upstream");
  public static final AttributeKey<String> STEP = AttributeKey.stringKey("tracegate.step");
  public static final AttributeKey<String> ERROR_KEY = AttributeKey.stringKey("tracegate.error");
  public static final AttributeKey<String> REQUEST_ID =
      AttributeKey.stringKey("tracegate.request_id");

  /** The upstream's name: Jaeger's service graph and Monitor tab read {@code peer.service}... */
  public static final AttributeKey<String> PEER_SERVICE = AttributeKey.stringKey("peer.service");

  /** ...which the semantic conventions renamed to {@code service.peer.name}; both are set. */
  public static final AttributeKey<String> SERVICE_PEER_NAME =
      AttributeKey.stringKey("service.peer.name");
}
