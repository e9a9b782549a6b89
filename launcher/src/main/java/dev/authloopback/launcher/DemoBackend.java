package dev.authloopback.launcher;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The stand-in's business backend: any method on {@value #PATH} (or below it) answers 200 when the
 * request carries {@code Authorization: Bearer <token>} for a token the stand-in's token endpoint
 * issued and that has not expired, and 401 with {@code WWW-Authenticate} (RFC 6750 §3) otherwise.
 * Its answer names a short fingerprint of the token, never the token, so a walkthrough can show
 * that two business apps received the same one.
 */
final class DemoBackend extends Handler.Abstract {

    static final String PATH = "/backend";
    private static final String BEARER = "Bearer ";

    private final IssuedTokens tokens;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    DemoBackend(IssuedTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            refuse(response, callback, "no Bearer token in the Authorization header");
            return true;
        }
        String token = authorization.substring(BEARER.length()).strip();
        if (!tokens.isValid(token)) {
            refuse(response, callback, "the Bearer token was not issued by this stand-in, or has expired");
            return true;
        }
        accepted.incrementAndGet();
        DemoTokenEndpoint.answer(response, callback, 200,
                "{\"backend\":\"stand-in\",\"authorization\":\"Bearer\",\"token_sha256\":\"" + fingerprint(token) + "\"}");
        return true;
    }

    private void refuse(Response response, Callback callback, String why) {
        refused.incrementAndGet();
        response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
        DemoTokenEndpoint.answer(response, callback, 401,
                "{\"error\":\"invalid_token\",\"error_description\":\"" + why + "\"}");
    }

    int accepted() {
        return accepted.get();
    }

    int refused() {
        return refused.get();
    }

    /** The first 6 bytes of the token's SHA-256, in hex: enough to compare, useless to call with. */
    static String fingerprint(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
