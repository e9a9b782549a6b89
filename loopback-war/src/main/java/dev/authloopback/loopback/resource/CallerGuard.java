package dev.authloopback.loopback.resource;

import dev.authloopback.loopback.access.AddressAllowList;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.core.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Who may call: the socket peer address must be in the allow-list (proxy headers such as
 * X-Forwarded-For are never consulted), and, when a shared secret is configured, the caller must
 * send it (compared in constant time).
 */
final class CallerGuard {
    private CallerGuard() {
    }

    /** @return the refusal to send, or empty when the caller may proceed */
    static Optional<Response> check(HttpServletRequest request, AddressAllowList allowFrom, String secret,
                                    String secretHeader) {
        String peer = request.getRemoteAddr();
        if (!allowFrom.allows(peer)) {
            return Optional.of(Problems.of(403, "caller-not-allowed", "Caller not allowed",
                    "address " + peer + " is not in the allow-list of this loopback"));
        }
        if (secret != null) {
            String sent = request.getHeader(secretHeader);
            if (sent == null || !MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8),
                    secret.getBytes(StandardCharsets.UTF_8))) {
                return Optional.of(Problems.builder(401, "shared-secret-required", "Shared secret required",
                        "send the configured shared secret in the " + secretHeader + " header")
                        .header("WWW-Authenticate", "LoopbackSecret header=\"" + secretHeader + "\"").build());
            }
        }
        return Optional.empty();
    }
}
