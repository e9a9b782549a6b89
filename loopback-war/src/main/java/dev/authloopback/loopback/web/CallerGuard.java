package dev.authloopback.loopback.web;

import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.problem.Problem;
import jakarta.servlet.http.HttpServletRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may call a token profile: the socket peer must be in its allow-list ({@link AllowListGuard}),
 * and, when a shared secret is configured, the caller must send it (compared in constant time).
 */
final class CallerGuard {
    private CallerGuard() {
    }

    /** @return the refusal to send, or {@code null} when the caller may proceed (no allocation on the way in) */
    static Problem check(HttpServletRequest request, RequestTarget target, LoopbackSettings rules) {
        Problem refused = AllowListGuard.check(request, target, rules);
        String secret = rules.sharedSecret();
        if (refused != null || secret == null) {
            return refused;
        }
        String secretHeader = rules.sharedSecretHeader();
        String sent = request.getHeader(secretHeader);
        if (sent == null || !MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8),
                secret.getBytes(StandardCharsets.UTF_8))) {
            return new Problem(401, "shared-secret-required", "Shared secret required",
                    "send the configured shared secret in the " + secretHeader + " header")
                    .header("WWW-Authenticate", "LoopbackSecret header=\"" + secretHeader + "\"");
        }
        return null;
    }
}
