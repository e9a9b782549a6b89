package dev.authloopback.loopback.resource;

import dev.authloopback.loopback.config.LoopbackSettings;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.core.Response;

import java.util.Optional;

/**
 * Keeps the token API on the loopback-only connector when the same context is also reachable on an
 * admin connector (so an operator's Prometheus can scrape the views): with {@code token-port} set,
 * a token call or eviction that arrived on any other local port gets 404, as if nothing were there.
 * Decided by the socket's local port, which no request header can change.
 */
final class TokenPortGuard {
    private TokenPortGuard() {
    }

    static Optional<Response> check(HttpServletRequest request, LoopbackSettings settings) {
        return settings.servesTokensOn(request.getLocalPort()) ? Optional.empty() : Optional.of(notHere());
    }

    /** The 404 for a token call that arrived on another connector. */
    static Response notHere() {
        return Problems.of(404, "not-found", "Not found",
                "only the admin views (health, metrics, stats) are served on this address");
    }
}
