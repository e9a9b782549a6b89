package dev.authloopback.loopback.web;

import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.problem.Problem;
import dev.authloopback.loopback.problem.Problems;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.core.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Who may call the admin views: the socket peer must be in {@code admin-allow-from}
 * ({@link AllowListGuard}), and when {@code admin-secret} is set (or, without it, {@code shared-secret},
 * which it defaults to) the caller sends it, either in
 * {@value #ADMIN_SECRET_HEADER} or as {@code Authorization: Bearer <secret>}. The second form exists for Prometheus, whose scrape
 * config can send an Authorization header ({@code authorization.credentials_file}) but, before
 * 2.55, no custom header.
 */
final class AdminGuard {
    static final String ADMIN_SECRET_HEADER = "X-Loopback-Admin-Secret";
    private static final String BEARER = "Bearer ";

    private AdminGuard() {
    }

    /** @param rules the settings the admin views live under (the default profile's) */
    static Optional<Response> check(HttpServletRequest request, LoopbackSettings rules) {
        Problem refused = AllowListGuard.check(request, RequestTarget.ADMIN, rules);
        if (refused != null) {
            return Optional.of(Problems.of(refused));
        }
        String secret = rules.adminSecret();
        if (secret == null || matches(request.getHeader(ADMIN_SECRET_HEADER), secret)
                || matches(bearer(request.getHeader("Authorization")), secret)) {
            return Optional.empty();
        }
        return Optional.of(Problems.builder(401, "admin-secret-required", "Admin secret required",
                        "send the admin secret in the " + ADMIN_SECRET_HEADER + " header or as a Bearer token")
                .header("WWW-Authenticate", "Bearer realm=\"loopback-admin\"").build());
    }

    private static String bearer(String authorization) {
        return authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                ? authorization.substring(BEARER.length()).trim() : null;
    }

    /** Constant time, so the answer's timing tells nothing about how much of a guess was right. */
    private static boolean matches(String sent, String secret) {
        return sent != null && MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8),
                secret.getBytes(StandardCharsets.UTF_8));
    }
}
