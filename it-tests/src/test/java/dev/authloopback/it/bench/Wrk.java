package dev.authloopback.it.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.testsupport.Processes;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The load generator: {@code wrk} (Debian package {@code wrk}), a process of its own, so the server
 * JVM is measured and not the driver. One request is fixed per run in a Lua script (method, body,
 * headers); the script's only callback is {@code done()}, which prints wrk's own figures once as
 * JSON (no per-request or per-response Lua, which would slow wrk down at high concurrency). Whether
 * the answers were right is checked afterwards from the server's own counters ({@link Row}).
 */
final class Wrk {

    static final String EXECUTABLE = "wrk";
    private static final String RESULT_MARK = "WRK-RESULT ";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Wrk() {
    }

    /** The one request a run repeats. */
    record Request(String method, URI url, String body, Map<String, String> headers) {
        Request {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(url, "url");
            headers = Map.copyOf(headers);
        }

        static Request get(URI url) {
            return new Request("GET", url, null, Map.of());
        }

        static Request post(URI url, String contentType, String body) {
            return new Request("POST", url, body, Map.of("Content-Type", contentType, "Accept", "application/json"));
        }
    }

    /**
     * wrk's figures for one run. Latencies in milliseconds; {@code non2xx} is wrk's "Non-2xx or 3xx
     * responses" (its {@code errors.status}); connect/read/write/timeout are socket errors.
     */
    record Result(long requests, double seconds, double requestsPerSecond, long bytes, double p50, double p90,
                  double p99, double max, double mean, long connectErrors, long readErrors, long writeErrors,
                  long timeouts, long non2xx) {

        long socketErrors() {
            return connectErrors + readErrors + writeErrors + timeouts;
        }

        Map<String, Object> asMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("requests", requests);
            map.put("seconds", Report.round(seconds));
            map.put("requestsPerSecond", Report.round(requestsPerSecond));
            map.put("bytesRead", bytes);
            map.put("latencyMs", Report.ordered("p50", Report.round(p50), "p90", Report.round(p90), "p99", Report.round(p99),
                    "max", Report.round(max), "mean", Report.round(mean)));
            Map<String, Object> errors = new LinkedHashMap<>();
            errors.put("connect", connectErrors);
            errors.put("read", readErrors);
            errors.put("write", writeErrors);
            errors.put("timeout", timeouts);
            errors.put("non2xx", non2xx);
            map.put("errors", errors);
            return map;
        }
    }

    /** wrk's version line; fails with what to do when wrk is not installed. */
    static String requireInstalled() {
        String path = System.getenv().getOrDefault("PATH", "");
        boolean found = false;
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, EXECUTABLE))) {
                found = true;
                break;
            }
        }
        if (!found) {
            throw new IllegalStateException("wrk is not installed (not on PATH). The benchmark's load comes from wrk in "
                    + "a process of its own: install it with 'apt-get install -y wrk' (it-tests/bench.sh and .ci/run do "
                    + "this when it is missing)");
        }
        String output = Processes.run(Path.of("."), Duration.ofSeconds(10), List.of(EXECUTABLE, "--version")).output();
        return output.lines().findFirst().orElse("wrk").trim();
    }

    /** Runs {@code request} from {@code connections} connections on up to {@code threads} wrk threads for {@code duration}. */
    static Result run(Path scriptDir, Request request, int connections, int threads, Duration duration) throws IOException {
        Path script = Files.createTempFile(Files.createDirectories(scriptDir), "wrk-", ".lua");
        try {
            Files.writeString(script, lua(request), StandardCharsets.UTF_8);
            List<String> command = List.of(EXECUTABLE, "-t", String.valueOf(Math.max(1, Math.min(threads, connections))),
                    "-c", String.valueOf(connections), "-d", duration.toSeconds() + "s",
                    "--timeout", TIMEOUT.toSeconds() + "s", "-s", script.toString(), request.url().toString());
            String output = Processes.runOk(scriptDir, duration.plus(Duration.ofSeconds(60)), command);
            return parse(output, String.join(" ", command));
        } finally {
            Files.deleteIfExists(script);
        }
    }

    static String lua(Request request) {
        StringBuilder lua = new StringBuilder();
        lua.append("wrk.method = ").append(luaString(request.method())).append('\n');
        if (request.body() != null) {
            lua.append("wrk.body = ").append(luaString(request.body())).append('\n');
        }
        request.headers().forEach((name, value) ->
                lua.append("wrk.headers[ ").append(luaString(name)).append(" ] = ").append(luaString(value)).append('\n'));
        lua.append("""
                function done(summary, latency, requests)
                  local e = summary.errors
                  io.write(string.format('%s{"requests":%%d,"durationUs":%%d,"bytes":%%d,"connect":%%d,"read":%%d,'
                    .. '"write":%%d,"status":%%d,"timeout":%%d,"p50":%%d,"p90":%%d,"p99":%%d,"max":%%d,"mean":%%.3f}\\n',
                    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
                    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
                end
                """.formatted(RESULT_MARK));
        return lua.toString();
    }

    /** A Lua long string: no escaping, and no way for the text to end it early. */
    private static String luaString(String text) {
        String level = "=";
        while (text.contains("]" + level + "]")) {
            level += "=";
        }
        return "[" + level + "[" + text + "]" + level + "]";
    }

    private static Result parse(String output, String command) throws IOException {
        String line = output.lines().filter(l -> l.startsWith(RESULT_MARK)).findFirst()
                .orElseThrow(() -> new IllegalStateException(command + ": no " + RESULT_MARK.trim() + " line in:\n" + output));
        JsonNode r = JSON.readTree(line.substring(RESULT_MARK.length()));
        long requests = r.get("requests").asLong();
        double seconds = r.get("durationUs").asLong() / 1e6;
        return new Result(requests, seconds, seconds > 0 ? requests / seconds : 0, r.get("bytes").asLong(),
                r.get("p50").asLong() / 1000.0, r.get("p90").asLong() / 1000.0, r.get("p99").asLong() / 1000.0,
                r.get("max").asLong() / 1000.0, r.get("mean").asDouble() / 1000.0, r.get("connect").asLong(),
                r.get("read").asLong(), r.get("write").asLong(), r.get("timeout").asLong(), r.get("status").asLong());
    }
}
