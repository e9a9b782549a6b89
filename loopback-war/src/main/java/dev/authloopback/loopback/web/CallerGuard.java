package dev.authloopback.loopback.web;

import dev.authloopback.loopback.access.AddressAllowList;
import dev.authloopback.loopback.problem.Problem;
import jakarta.servlet.http.HttpServletRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may call: the socket peer address must be in the allow-list (proxy headers such as
 * X-Forwarded-For are never consulted), and, when a shared secret is configured, the caller must
 * send it (compared in constant time).
 */
final class CallerGuard {
    private CallerGuard() {
    }

    /** @return the refusal to send, or {@code null} when the caller may proceed (no allocation on the way in) */
    static Problem check(HttpServletRequest request, AddressAllowList allowFrom, String secret, String secretHeader) {
        String peer = request.getRemoteAddr();
        if (!allowFrom.allows(peer)) {
            return new Problem(403, "caller-not-allowed", "Caller not allowed",
                    "address " + peer + " is not in the allow-list of this loopback");
        }
        if (secret != null) {
            String sent = request.getHeader(secretHeader);
            if (sent == null || !MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8),
                    secret.getBytes(StandardCharsets.UTF_8))) {
                return new Problem(401, "shared-secret-required", "Shared secret required",
                        "send the configured shared secret in the " + secretHeader + " header")
                        .header("WWW-Authenticate", "LoopbackSecret header=\"" + secretHeader + "\"");
            }
        }
        return null;
    }
}
