package dev.authloopback.loopback.resource;

import dev.authloopback.loopback.BoundedBody;
import dev.authloopback.loopback.LoopbackRuntime;
import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.config.SettingNames;
import dev.authloopback.loopback.proxy.CacheStatus;
import dev.authloopback.loopback.proxy.EvictionResult;
import dev.authloopback.loopback.proxy.TokenAnswer;
import dev.authloopback.loopback.proxy.TokenProxy;
import dev.authloopback.loopback.proxy.TokenRequest;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The token endpoint callers use instead of the real one: {@code /loopback} for the default profile,
 * {@code /loopback/{profile}} for named ones. A transparent proxy with the caching step in front;
 * {@code DELETE} with {@code If-Match} is the conditional eviction.
 */
@Path("/")
public final class TokenResource {
    @Context
    private ServletContext servletContext;
    @Context
    private HttpServletRequest servletRequest;
    @Context
    private HttpHeaders headers;

    @POST
    public Response post(InputStream body) {
        return token(SettingNames.DEFAULT_PROFILE, "POST", body);
    }

    @POST
    @Path("{profile}")
    public Response post(@PathParam("profile") String profile, InputStream body) {
        return token(profile, "POST", body);
    }

    /** Only for upstreams that hand out tokens on GET ({@code pass-methods} / {@code methods}). */
    @GET
    public Response get() {
        return token(SettingNames.DEFAULT_PROFILE, "GET", null);
    }

    @GET
    @Path("{profile}")
    public Response get(@PathParam("profile") String profile) {
        return token(profile, "GET", null);
    }

    @PUT
    public Response put(InputStream body) {
        return token(SettingNames.DEFAULT_PROFILE, "PUT", body);
    }

    @PUT
    @Path("{profile}")
    public Response put(@PathParam("profile") String profile, InputStream body) {
        return token(profile, "PUT", body);
    }

    @PATCH
    public Response patch(InputStream body) {
        return token(SettingNames.DEFAULT_PROFILE, "PATCH", body);
    }

    @PATCH
    @Path("{profile}")
    public Response patch(@PathParam("profile") String profile, InputStream body) {
        return token(profile, "PATCH", body);
    }

    @DELETE
    public Response delete(InputStream body) {
        return evict(SettingNames.DEFAULT_PROFILE, body);
    }

    @DELETE
    @Path("{profile}")
    public Response delete(@PathParam("profile") String profile, InputStream body) {
        return evict(profile, body);
    }

    private Response token(String profile, String method, InputStream body) {
        Admission admission = admit(profile, body, false);
        if (admission.refusal != null) {
            return admission.refusal;
        }
        LoopbackSettings settings = admission.proxy.settings();
        if (!settings.accepts(method)) {
            return methodNotAllowed(settings, method);
        }
        TokenRequest request = request(method, settings, admission.body);
        TokenAnswer answer = admission.proxy.handle(request);
        Response.ResponseBuilder response = Response.status(answer.status()).entity(answer.body())
                .header(CacheStatus.HEADER, answer.cacheStatus().name());
        if (answer.contentType() != null) {
            response.type(answer.contentType());
        }
        if (answer.ageSeconds() >= 0) {
            response.header("Age", answer.ageSeconds());
        }
        if (answer.etag() != null) {
            response.header(HttpHeaders.ETAG, answer.etag());
        }
        if (answer.retryAfter() != null) {
            response.header("Retry-After", answer.retryAfter());
        }
        if (answer.wwwAuthenticate() != null) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, answer.wwwAuthenticate());
        }
        return response.build();
    }

    private Response evict(String profile, InputStream body) {
        Admission admission = admit(profile, body, true);
        if (admission.refusal != null) {
            return admission.refusal;
        }
        LoopbackSettings settings = admission.proxy.settings();
        String ifMatch = headers.getHeaderString(HttpHeaders.IF_MATCH);
        if (ifMatch == null || ifMatch.isBlank()) {
            return Problems.of(428, "if-match-required", "If-Match required",
                    "send the ETag of the token answer to evict in If-Match, so a renewed token is never dropped");
        }
        String method = settings.methods().contains("POST") ? "POST" : settings.methods().iterator().next();
        TokenRequest request = request(method, settings, admission.body);
        EvictionResult result = admission.proxy.evict(request, ifMatch.trim());
        return switch (result) {
            case EVICTED -> Response.noContent().build();
            case NEWER_TOKEN -> Problems.of(412, "token-renewed", "Entry holds another token",
                    "the entry holds a token other than the one named in If-Match; it was kept");
            case ABSENT -> Problems.of(404, "no-entry", "No entry", "nothing is stored for this request");
            case TOO_SOON -> Problems.builder(429, "refresh-rate-limited", "Forced refresh too soon",
                            "at most one forced refresh per key every " + settings.minRefreshInterval())
                    .header("Retry-After", Math.max(1, settings.minRefreshInterval().toSeconds())).build();
        };
    }

    /** Access, profile, size and type checks shared by token requests and evictions. */
    private Admission admit(String profile, InputStream body, boolean eviction) {
        LoopbackRuntime runtime = LoopbackRuntime.of(servletContext);
        Optional<TokenProxy> proxy = runtime.proxy(profile);
        // Unknown profiles are guarded by the default profile's rules, so strangers learn nothing.
        LoopbackSettings guard = proxy.orElseGet(() -> runtime.proxy(SettingNames.DEFAULT_PROFILE).orElseThrow())
                .settings();
        if (!guard.servesTokensOn(servletRequest.getLocalPort())) {
            return Admission.refused(TokenPortGuard.notHere());
        }
        Optional<Response> refusal = CallerGuard.check(servletRequest, guard.allowFrom(), guard.sharedSecret(),
                guard.sharedSecretHeader());
        if (refusal.isPresent()) {
            return Admission.refused(refusal.get());
        }
        if (proxy.isEmpty()) {
            return Admission.refused(Problems.of(404, "unknown-profile", "Unknown profile",
                    "no loopback profile named '" + printable(profile) + "'"));
        }
        LoopbackSettings settings = proxy.get().settings();
        long declared = servletRequest.getContentLengthLong();
        if (declared > settings.maxRequestBytes()) {
            return Admission.refused(tooLarge(settings));
        }
        byte[] bytes;
        try {
            bytes = BoundedBody.read(body, settings.maxRequestBytes());
        } catch (IOException e) {
            return Admission.refused(Problems.of(400, "unreadable-request", "Request body unreadable",
                    "the request body could not be read (" + e.getClass().getSimpleName() + ")"));
        }
        if (bytes == null) {
            return Admission.refused(tooLarge(settings));
        }
        String contentType = headers.getHeaderString(HttpHeaders.CONTENT_TYPE);
        if ((contentType != null || bytes.length > 0) && !TokenRequest.isForm(contentType)
                && !TokenRequest.isJson(contentType)) {
            return Admission.refused(Problems.of(415, "unsupported-media-type", "Unsupported media type",
                    "token requests must be application/x-www-form-urlencoded or application/json"
                            + (eviction ? " (evictions repeat the token request)" : "")));
        }
        return new Admission(proxy.get(), bytes, null);
    }

    private TokenRequest request(String method, LoopbackSettings settings, byte[] body) {
        Map<String, String> keyHeaders = new LinkedHashMap<>();
        for (String name : settings.keyHeaders()) {
            String value = headers.getHeaderString(name);
            if (value != null) {
                keyHeaders.put(name, value);
            }
        }
        return new TokenRequest(method, headers.getHeaderString(HttpHeaders.CONTENT_TYPE),
                headers.getHeaderString(HttpHeaders.ACCEPT), headers.getHeaderString(HttpHeaders.AUTHORIZATION),
                keyHeaders, body);
    }

    private static Response methodNotAllowed(LoopbackSettings settings, String method) {
        TreeSet<String> allow = new TreeSet<>(settings.methods());
        allow.addAll(settings.passMethods());
        allow.add("DELETE");
        return Problems.builder(405, "method-not-allowed", "Method not allowed",
                        method + " is not configured for this profile; allowed: " + String.join(", ", allow))
                .header("Allow", String.join(", ", allow)).build();
    }

    private static Response tooLarge(LoopbackSettings settings) {
        return Problems.of(413, "request-too-large", "Request body too large",
                "token requests are limited to max-request-bytes=" + settings.maxRequestBytes());
    }

    private static String printable(String value) {
        String cut = value.length() > 64 ? value.substring(0, 64) : value;
        return cut.replaceAll("[^A-Za-z0-9_.-]", "?");
    }


    private record Admission(TokenProxy proxy, byte[] body, Response refusal) {
        static Admission refused(Response response) {
            return new Admission(null, null, response);
        }
    }
}
