package dev.authloopback.loopback.web;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.exchange.ExchangeProfile;
import dev.authloopback.loopback.exchange.SubjectTokenValidator;
import dev.authloopback.loopback.intake.RequestBody;
import dev.authloopback.loopback.problem.Problem;
import dev.authloopback.loopback.proxy.TokenProxy;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * OpenID Connect Back-Channel Logout 1.0 for exchange profiles: {@code POST
 * /backchannel-logout/{profile}} with a form field {@code logout_token}, which the IdP sends when a
 * user's session ends. Register this URL as the back-channel logout URL of the client users log in
 * to: their sessions are that client's (Keycloak's standard exchange adds no lasting client session
 * for the exchanging client, so it is never told). The logout token is verified like a subject token (signature by
 * the issuer's JWKS, {@code iss} = {@code subject-issuer}), with its own rules (§2.6): {@code aud}
 * holds {@code logout-audience} (default {@code client-id}), the back-channel logout event is present, {@code nonce} is absent,
 * {@code sub} or {@code sid} is present, and it was issued within the last {@link #MAX_AGE_SECONDS}.
 * Then every entry this node stored for that user or session is evicted. 200 on success, 400 with
 * a problem otherwise (§2.8); the logout token itself is never logged or echoed.
 */
public final class BackChannelLogoutServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    static final String EVENT = "http://schemas.openid.net/event/backchannel-logout";
    static final long MAX_AGE_SECONDS = 300;
    private static final System.Logger LOG = System.getLogger("dev.authloopback.loopback.requests");

    private transient LoopbackRuntime runtime;

    @Override
    public void init() throws ServletException {
        runtime = LoopbackRuntime.of(getServletContext());
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Cache-Control", "no-store");
        RequestTarget target = RequestTarget.of(request);
        TokenProxy proxy = runtime.proxy(target.profile());
        if (proxy == null || proxy.exchange() == null) {
            new Problem(404, "unknown-profile", "Unknown profile", "no exchange profile at this path").write(response);
            return;
        }
        if (!"POST".equals(request.getMethod())) {
            new Problem(405, "method-not-allowed", "Method not allowed", "back-channel logout is a POST")
                    .header("Allow", "POST").write(response);
            return;
        }
        LoopbackSettings settings = proxy.settings();
        byte[] body = RequestBody.of(request, request.getInputStream(), settings.maxRequestBytes());
        String token = body == null ? null : field(new String(body, StandardCharsets.US_ASCII), "logout_token");
        if (token == null) {
            refuse(response, "send the logout token as the form field logout_token");
            return;
        }
        ExchangeProfile exchange = proxy.exchange();
        JWTClaimsSet claims;
        try {
            claims = exchange.validator().verifyLogout(token, exchange.settings().logoutAudience(), MAX_AGE_SECONDS);
        } catch (SubjectTokenValidator.Refused e) {
            refuse(response, "the logout token was not accepted (" + e.getMessage() + ")");
            return;
        }
        Object events = claims.getClaim("events");
        if (!(events instanceof Map<?, ?> map) || !map.containsKey(EVENT) || claims.getClaim("nonce") != null) {
            refuse(response, "not a back-channel logout token (events, nonce)");
            return;
        }
        String sub = claims.getSubject();
        String sid = claims.getClaim("sid") instanceof String s ? s : null;
        if (sub == null && sid == null) {
            refuse(response, "a logout token names sub or sid");
            return;
        }
        int evicted = proxy.evictSubject(sub, sid);
        LOG.log(System.Logger.Level.INFO, "profile=" + settings.profile() + " back-channel logout: " + evicted
                + " entries evicted");
        response.setStatus(HttpServletResponse.SC_OK);
    }

    private static void refuse(HttpServletResponse response, String detail) throws IOException {
        new Problem(400, "invalid-logout-token", "Logout token not accepted", detail).write(response);
    }

    private static String field(String form, String name) {
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                try {
                    return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
        }
        return null;
    }
}
