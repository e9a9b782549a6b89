package dev.authloopback.loopback.resource;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.authloopback.loopback.LoopbackRuntime;
import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.config.SettingNames;
import dev.authloopback.loopback.metrics.LoopbackMetrics;
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
 * Operator calls, guarded separately from token calls ({@code admin-allow-from}, optional
 * {@code admin-secret} in {@code X-Loopback-Admin-Secret}): evict all entries of a profile, health,
 * metrics (Prometheus text) and stats (JSON). Jersey serves them under {@code /admin/*} (web.xml);
 * the token API is the {@link TokenServlet}.
 */
@Path("/")
public final class AdminResource {
    public static final String ADMIN_SECRET_HEADER = "X-Loopback-Admin-Secret";

    @Context
    private ServletContext servletContext;
    @Context
    private HttpServletRequest servletRequest;

    @DELETE
    @Path("entries")
    public Response evictAll(@QueryParam("profile") String profile) {
        LoopbackRuntime runtime = LoopbackRuntime.of(servletContext);
        Optional<Response> refused = guard(runtime);
        if (refused.isPresent()) {
            return refused.get();
        }
        String name = profile == null || profile.isBlank() ? SettingNames.DEFAULT_PROFILE : profile;
        Optional<TokenProxy> proxy = runtime.proxy(name);
        if (proxy.isEmpty()) {
            return Problems.of(404, "unknown-profile", "Unknown profile", "no loopback profile with that name");
        }
        proxy.get().evictAll();
        return Response.noContent().build();
    }

    @GET
    @Path("health")
    @Produces("application/json")
    public Response health() {
        LoopbackRuntime runtime = LoopbackRuntime.of(servletContext);
        Optional<Response> refused = guard(runtime);
        if (refused.isPresent()) {
            return refused.get();
        }
        ObjectNode health = runtime.json().createObjectNode();
        health.put("status", "UP");
        ObjectNode profiles = health.putObject("profiles");
        runtime.proxies().forEach((name, proxy) -> {
            ObjectNode p = profiles.putObject(name);
            p.put("entries", proxy.entries());
            p.put("upstream", proxy.settings().upstreamUrl().getHost() + ":" + proxy.settings().upstreamUrl().getPort());
            p.put("tier", "heap");
        });
        return Response.ok(health.toString(), "application/json").build();
    }

    /** Counters in Prometheus text format, for a scraper on the loopback connector. */
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

    /** The same counters as JSON. */
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
            ObjectNode metric = stats.putObject(name);
            points.forEach(metric::put);
        });
        return Response.ok(stats.toString(), "application/json").build();
    }

    private Optional<Response> guard(LoopbackRuntime runtime) {
        LoopbackSettings settings = runtime.proxy(SettingNames.DEFAULT_PROFILE).orElseThrow().settings();
        return Optional.ofNullable(CallerGuard.check(servletRequest, settings.adminAllowFrom(),
                settings.adminSecret(), ADMIN_SECRET_HEADER)).map(Problems::of);
    }

}
