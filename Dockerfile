# syntax=docker/dockerfile:1
# tracegate: build with Maven, run on a JRE as a non-root user.
# Base images are build arguments so the image also builds where public registries are out of reach.
ARG BUILD_IMAGE=maven:3.9.11-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17.0.16_8-jre

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# Dependencies first: this layer is reused until pom.xml changes.
COPY pom.xml .
RUN mvn -B -q -Dproduction dependency:go-offline
COPY conf conf
COPY src src
RUN mvn -B -q -Dproduction package -DskipTests && cp target/tracegate.jar /tracegate.jar

FROM ${RUNTIME_IMAGE}
RUN (getent group tracegate || groupadd --system --gid 10001 tracegate) \
 && (id tracegate || useradd --system --uid 10001 --gid tracegate --no-create-home --shell /usr/sbin/nologin tracegate)
WORKDIR /app
COPY --from=build /tracegate.jar /app/tracegate.jar
COPY conf /app/conf
# Class-data sharing archive from one training start (ready, one request, SIGTERM): halves the time
# to ready. Made here, with the runtime image's own JVM, which is the only JVM it is valid for.
RUN java -XX:ArchiveClassesAtExit=/app/tracegate.jsa -jar /app/tracegate.jar --config /app/conf/tracegate.yaml & pid=$!; \
    for i in $(seq 1 100); do curl -fs http://127.0.0.1:9090/health/ready >/dev/null && break; sleep 0.2; done; \
    curl -s -o /dev/null http://127.0.0.1:8080/training; kill -TERM $pid; wait $pid; test -s /app/tracegate.jsa
# Inside a container the admin port must be reachable by the health check and by Prometheus;
# publish only 8080 to the outside world (see docs/deploying.md).
ENV TRACEGATE_SERVER_HOST=0.0.0.0 \
    TRACEGATE_ADMIN_HOST=0.0.0.0 \
    JAVA_TOOL_OPTIONS="-XX:SharedArchiveFile=/app/tracegate.jsa -XX:MaxRAMPercentage=75 -XX:InitialRAMPercentage=50 -XX:+UseSerialGC -XX:NewRatio=1 -XX:SurvivorRatio=2 -XX:+ExitOnOutOfMemoryError"
USER 10001:10001
EXPOSE 8080 9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:9090/health/ready || exit 1
# Exec form: the JVM is PID 1 and receives SIGTERM, so shutdown drains and flushes spans.
ENTRYPOINT ["java", "-jar", "/app/tracegate.jar"]
CMD ["--config", "/app/conf/tracegate.yaml"]
