package dev.authloopback.loopback.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.health.HealthCheck;
import dev.authloopback.loopback.health.HealthStatus;
import dev.authloopback.loopback.health.ProfileHealth;
import dev.authloopback.loopback.proxy.TokenProxy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Health of every profile and of the whole loopback (the worst profile), with named reasons.
 * Checks per profile: {@code configuration} (validated at start-up, or the web app would not run),
 * {@code upstream} and {@code stale} (from the recent upstream calls), {@code credentials} (an owning
 * profile's secret or key file, checked now), {@code cache-tier}.
 */
final class HealthReport {
    private final HealthStatus status;
    private final Map<String, ProfileHealth> profiles;
    private final Map<String, Long> entries;

    private HealthReport(HealthStatus status, Map<String, ProfileHealth> profiles, Map<String, Long> entries) {
        this.status = status;
        this.profiles = profiles;
        this.entries = entries;
    }

    static HealthReport of(LoopbackRuntime runtime) {
        Map<String, ProfileHealth> profiles = new LinkedHashMap<>();
        Map<String, Long> entries = new LinkedHashMap<>();
        HealthStatus overall = HealthStatus.UP;
        for (Map.Entry<String, TokenProxy> profile : runtime.proxies().entrySet()) {
            LoopbackSettings settings = profile.getValue().settings();
            List<HealthCheck> checks = new ArrayList<>();
            checks.add(new HealthCheck("configuration", HealthStatus.UP, "ok", "validated at start-up; upstream "
                    + settings.upstreamUrl().getHost() + ", token-port "
                    + (settings.tokenPort() == LoopbackSettings.ANY_PORT ? "any" : settings.tokenPort())));
            checks.addAll(runtime.health(profile.getKey()).checks());
            HealthCheck files = runtime.credentialFiles(profile.getKey());
            if (files != null) {
                checks.add(files);
            }
            checks.add(runtime.cacheTier());
            ProfileHealth health = ProfileHealth.of(profile.getKey(), checks);
            profiles.put(profile.getKey(), health);
            entries.put(profile.getKey(), profile.getValue().entries());
            overall = overall.worst(health.status());
        }
        return new HealthReport(overall, profiles, entries);
    }

    HealthStatus status() {
        return status;
    }

    /** @param detailed every check with its detail (the full view), or only the reasons (readiness) */
    ObjectNode toJson(ObjectMapper json, boolean detailed) {
        ObjectNode root = json.createObjectNode();
        root.put("status", status.name());
        ArrayNode reasons = root.putArray("reasons");
        ObjectNode byProfile = root.putObject("profiles");
        profiles.forEach((name, health) -> {
            for (HealthCheck problem : health.problems()) {
                reasons.add(name + ": " + problem.reason() + " (" + problem.detail() + ")");
            }
            ObjectNode profile = byProfile.putObject(name);
            profile.put("status", health.status().name());
            if (!detailed) {
                ArrayNode codes = profile.putArray("reasons");
                health.problems().forEach(p -> codes.add(p.reason()));
                return;
            }
            profile.put("entries", entries.get(name));
            ObjectNode checks = profile.putObject("checks");
            for (HealthCheck check : health.checks()) {
                ObjectNode c = checks.putObject(check.name());
                c.put("status", check.status().name());
                c.put("reason", check.reason());
                c.put("detail", check.detail());
            }
        });
        return root;
    }
}
