package dev.authloopback.loopback.web;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.config.SettingNames;
import dev.authloopback.loopback.health.HealthStatus;
import dev.authloopback.loopback.metrics.LoopbackMetrics;
import dev.authloopback.loopback.problem.Problems;
import dev.authloopback.loopback.proxy.TokenProxy;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;

import java.util.Optional;

/**
 * Operator calls, guarded separately from token calls ({@code admin-allow-from}, and
 * {@code admin-secret}, which defaults to {@code shared-secret}; see {@link AdminGuard}): health (full, readiness, liveness), metrics
 * (Prometheus text), stats (JSON), and evict-all (at most once per profile per
 * {@code evict-all-interval}, cluster-wide; 429 with {@code Retry-After} sooner). Jersey serves them under {@code /admin/*}
 * (web.xml); the token API is the {@link TokenServlet}.
 *
 * <p>The views (health, metrics, stats) may be reached through an admin connector an operator's
 * Prometheus can scrape; evict-all changes the cache, so like the token API it is answered only on
 * the loopback connector ({@code token-port}).
 */
@Path("/")
public final class AdminResource {
    /** Header carrying the admin secret; {@code Authorization: Bearer <secret>} works too (Prometheus sends that). */
    public static final String ADMIN_SECRET_HEADER = AdminGuard.ADMIN_SECRET_HEADER;

    @Context
    private ServletContext servletContext;
    @Context
    private HttpServletRequest servletRequest;

    @DELETE
    @Path("entries")
    public Response evictAll(@QueryParam("profile") String profile) {
        LoopbackRuntime runtime = LoopbackRuntime.of(servletContext);
        Optional<Response> refused = guard(runtime)
                .or(() -> Optional.ofNullable(TokenPortGuard.check(servletRequest, defaultSettings(runtime))).map(Problems::of));
        if (refused.isPresent()) {
            return refused.get();
        }
        String name = profile == null || profile.isBlank() ? SettingNames.DEFAULT_PROFILE : profile;
        TokenProxy proxy = runtime.proxy(name);
        if (proxy == null) {
            return Problems.of(404, "unknown-profile", "Unknown profile", "no loopback profile with that name");
        }
        long wait = proxy.evictAll(runtime.evictAllInterval());
        if (wait > 0) {
            long seconds = Math.max(1, (wait + 999) / 1000);
            return Problems.builder(429, "evict-all-too-soon", "Evict-all too soon",
                            "the entries of this profile were evicted less than evict-all-interval ("
                                    + shown(runtime.evictAllInterval()) + ") ago, on this node or another"
                                    + " of its cluster; retry after " + seconds + "s")
                    .header("Retry-After", String.valueOf(seconds)).build();
        }
        return Response.noContent().build();
    }

    /** Every profile's checks; 503 when any profile is DOWN, so a probe or load balancer can use it. */
    @GET
    @Path("health")
    @Produces("application/json")
    public Response health() {
        LoopbackRuntime runtime = LoopbackRuntime.of(servletContext);
        Optional<Response> refused = guard(runtime);
        if (refused.isPresent()) {
            return refused.get();
        }
        HealthReport report = HealthReport.of(runtime);
        return json(report.status().httpStatus(), report.toJson(runtime.json(), true));
    }

    /** Readiness: the same verdict without the per-check detail (503 when DOWN). */
    @GET
    @Path("health/ready")
    @Produces("application/json")
    public Response ready() {
        LoopbackRuntime runtime = LoopbackRuntime.of(servletContext);
        Optional<Response> refused = guard(runtime);
        if (refused.isPresent()) {
            return refused.get();
        }
        HealthReport report = HealthReport.of(runtime);
        return json(report.status().httpStatus(), report.toJson(runtime.json(), false));
    }

    /**
     * Liveness: the web app is initialised and answers. Deliberately blind to the upstream: a
     * restart cures nothing when the token endpoint is down, and would throw the cache away.
     */
    @GET
    @Path("health/live")
    @Produces("application/json")
    public Response live() {
        LoopbackRuntime runtime = LoopbackRuntime.of(servletContext);
        Optional<Response> refused = guard(runtime);
        if (refused.isPresent()) {
            return refused.get();
        }
        ObjectNode live = runtime.json().createObjectNode();
        live.put("status", HealthStatus.UP.name());
        return json(200, live);
    }

    /** Prometheus text format 0.0.4, for a scraper on the loopback or the admin connector. */
    @GET
    @Path("metrics")
    public Response metrics() {
        LoopbackRuntime runtime = LoopbackRuntime.of(servletContext);
        Optional<Response> refused = guard(runtime);
        if (refused.isPresent()) {
            return refused.get();
        }
        return Response.ok(runtime.metrics().prometheusText(), LoopbackMetrics.prometheusContentType()).build();
    }

    /** The same numbers as JSON, under the names the Prometheus text uses. */
    @GET
    @Path("stats")
    @Produces("application/json")
    public Response stats() {
        LoopbackRuntime runtime = LoopbackRuntime.of(servletContext);
        Optional<Response> refused = guard(runtime);
        if (refused.isPresent()) {
            return refused.get();
        }
        ObjectNode stats = runtime.json().createObjectNode();
        runtime.metrics().values().forEach((name, points) -> {
            if (points instanceof Double value) {
                stats.put(name, value);
            } else {
                ObjectNode metric = stats.putObject(name);
                ((java.util.Map<?, ?>) points).forEach((labels, value) -> metric.put((String) labels, (Double) value));
            }
        });
        return json(200, stats);
    }

    private Optional<Response> guard(LoopbackRuntime runtime) {
        return AdminGuard.check(servletRequest, defaultSettings(runtime));
    }

    /** The admin views live under the default profile's settings ({@code admin-allow-from}, {@code admin-secret}). */
    private static LoopbackSettings defaultSettings(LoopbackRuntime runtime) {
        return runtime.rules(RequestTarget.ADMIN.profile());
    }

    private static String shown(java.time.Duration interval) {
        return interval.toMillis() % 1000 == 0 ? interval.toSeconds() + "s" : interval.toMillis() + "ms";
    }

    private static Response json(int status, ObjectNode body) {
        return Response.status(status).entity(body.toString()).type("application/json").build();
    }
}
