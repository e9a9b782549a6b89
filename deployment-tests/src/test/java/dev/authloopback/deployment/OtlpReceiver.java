package dev.authloopback.deployment;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * The OTLP endpoint the Java agent of a standalone server exports to (http/protobuf, {@code /v1/traces}),
 * on 127.0.0.1 and a free port: every span it received, decoded with the OTLP protobuf classes.
 */
final class OtlpReceiver implements AutoCloseable {

    /** One received span; ids in lowercase hex as in {@code traceparent}, attributes as strings. */
    record ReceivedSpan(String service, String scope, String traceId, String spanId, String parentSpanId, String name,
                        String kind, Map<String, String> attributes, boolean error, String statusMessage,
                        List<String> linkedSpanIds, List<String> eventNames) {

        String attribute(String key) {
            return attributes.get(key);
        }

        @Override
        public String toString() {
            return service + " " + scope + " " + kind + " '" + name + "' trace=" + traceId + " span=" + spanId
                    + " parent=" + parentSpanId + (error ? " ERROR(" + statusMessage + ")" : "") + " " + attributes
                    + (linkedSpanIds.isEmpty() ? "" : " links=" + linkedSpanIds);
        }
    }

    private final HttpServer server;
    private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    static OtlpReceiver start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        OtlpReceiver receiver = new OtlpReceiver(server);
        server.createContext("/v1/traces", exchange -> {
            try (InputStream raw = exchange.getRequestBody()) {
                InputStream in = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                        ? new GZIPInputStream(raw) : raw;
                receiver.add(ExportTraceServiceRequest.parseFrom(in));
                byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
                exchange.getResponseBody().write(answer);
            } catch (IOException | RuntimeException e) {
                exchange.sendResponseHeaders(400, -1);
            } finally {
                exchange.close();
            }
        });
        server.start();
        return receiver;
    }

    /** For {@code otel.exporter.otlp.traces.endpoint}. */
    URI tracesEndpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces");
    }

    /** The agent options that export here, and nothing else (no metrics, no logs), with a short batch delay. */
    List<String> agentOptions(java.nio.file.Path agentJar, String serviceName) {
        return List.of("-javaagent:" + agentJar,
                "-Dotel.service.name=" + serviceName,
                "-Dotel.traces.exporter=otlp",
                "-Dotel.exporter.otlp.protocol=http/protobuf",
                "-Dotel.exporter.otlp.traces.endpoint=" + tracesEndpoint(),
                "-Dotel.metrics.exporter=none",
                "-Dotel.logs.exporter=none",
                "-Dotel.bsp.schedule.delay=100");
    }

    List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    /** Waits (bounded) until {@code count} received spans match: the agent exports in batches. */
    List<ReceivedSpan> await(Predicate<ReceivedSpan> which, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<ReceivedSpan> matching = spans.stream().filter(which).toList();
            if (matching.size() >= count || System.nanoTime() > deadline) {
                return matching;
            }
            Thread.sleep(50);
        }
    }

    private void add(ExportTraceServiceRequest request) {
        HexFormat hex = HexFormat.of();
        for (ResourceSpans resource : request.getResourceSpansList()) {
            String service = resource.getResource().getAttributesList().stream()
                    .filter(kv -> kv.getKey().equals("service.name")).map(kv -> text(kv.getValue())).findFirst().orElse("?");
            for (ScopeSpans scope : resource.getScopeSpansList()) {
                for (io.opentelemetry.proto.trace.v1.Span span : scope.getSpansList()) {
                    Map<String, String> attributes = new LinkedHashMap<>();
                    for (KeyValue kv : span.getAttributesList()) {
                        attributes.put(kv.getKey(), text(kv.getValue()));
                    }
                    spans.add(new ReceivedSpan(service, scope.getScope().getName(),
                            hex.formatHex(span.getTraceId().toByteArray()), hex.formatHex(span.getSpanId().toByteArray()),
                            hex.formatHex(span.getParentSpanId().toByteArray()), span.getName(),
                            span.getKind().name().replace("SPAN_KIND_", ""), attributes,
                            span.getStatus().getCode() == io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR,
                            span.getStatus().getMessage(),
                            span.getLinksList().stream().map(l -> hex.formatHex(l.getSpanId().toByteArray())).toList(),
                            span.getEventsList().stream().map(e -> e.getName() + e.getAttributesList()).toList()));
                }
            }
        }
    }

    private static String text(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case INT_VALUE -> Long.toString(value.getIntValue());
            case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
            case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
            default -> value.toString();
        };
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
