package dev.tracegate.accesslog;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/** A JSON access log a test gateway appends to, read back record by record. */
final class AccessLogFile {
  final Path path;

  AccessLogFile(Path path) {
    this.path = path;
  }

  List<JsonObject> records() {
    try {
      return Files.readAllLines(path).stream()
          .filter(l -> !l.isBlank())
          .map(JsonObject::new)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits for the one record of {@code traceId}. */
  JsonObject awaitTrace(String traceId) {
    return await(r -> traceId.equals(r.getString("trace_id")));
  }

  JsonObject await(Predicate<JsonObject> match) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> records().stream().anyMatch(match));
    List<JsonObject> found = records().stream().filter(match).toList();
    if (found.size() != 1) {
      throw new AssertionError("expected one matching record, found " + found);
    }
    return found.get(0);
  }
}
