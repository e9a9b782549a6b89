package dev.authloopback.loopback.web;

import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.problem.Problem;
import jakarta.servlet.http.HttpServletRequest;


/**
 * Keeps the token API on the loopback-only connector when the same context is also reachable on an
 * admin connector (so an operator's Prometheus can scrape the views): with {@code token-port} set,
 * a token call or eviction that arrived on any other local port gets 404, as if nothing were there.
 * Decided by the socket's local port, which no request header can change.
 */
final class TokenPortGuard {
    private TokenPortGuard() {
    }

    /** @return the refusal, or {@code null} when the call arrived on the token port (no allocation then) */
    static Problem check(HttpServletRequest request, LoopbackSettings settings) {
        if (settings.servesTokensOn(request.getLocalPort())) {
            return null;
        }
        return new Problem(404, "not-found", "Not found",
                "only the admin views (health, metrics, stats) are served on this address");
    }
}
