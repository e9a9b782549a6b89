package dev.authloopback.loopback.web;

import dev.authloopback.loopback.access.AddressAllowList;
import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.problem.Problem;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Whether the socket peer may reach a target: token paths take the profile's {@code allow-from},
 * the admin views {@code admin-allow-from}. Only the socket peer address counts; proxy headers such
 * as {@code X-Forwarded-For} are never consulted. The one place the loopback's 403 is decided and
 * written: {@link CallerAllowListFilter} asks for every request, {@link CallerGuard} and
 * {@link AdminGuard} ask again before the token servlet and the admin views answer.
 */
final class AllowListGuard {
    private AllowListGuard() {
    }

    /**
     * @param rules the settings of the target's profile ({@link LoopbackRuntime#rules})
     * @return the 403 to send, or {@code null} when the peer may reach the target (no allocation then)
     */
    static Problem check(HttpServletRequest request, RequestTarget target, LoopbackSettings rules) {
        AddressAllowList allowed = target.admin() ? rules.adminAllowFrom() : rules.allowFrom();
        String peer = request.getRemoteAddr();
        if (allowed.allows(peer)) {
            return null;
        }
        return new Problem(403, "caller-not-allowed", "Caller not allowed",
                "address " + peer + " is not in the allow-list of this loopback");
    }
}
