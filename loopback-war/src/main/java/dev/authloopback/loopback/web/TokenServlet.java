package dev.authloopback.loopback.web;

import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.config.SettingNames;
import dev.authloopback.loopback.credentials.CallerRequestRefused;
import dev.authloopback.loopback.dpop.DpopGate;
import dev.authloopback.loopback.dpop.DpopProofRefused;
import dev.authloopback.loopback.intake.RequestBody;
import dev.authloopback.loopback.memory.NoRoomInFlight;
import dev.authloopback.loopback.outcome.CacheStatus;
import dev.authloopback.loopback.outcome.UpstreamFailure;
import dev.authloopback.loopback.problem.Problem;
import dev.authloopback.loopback.proxy.EvictionResult;
import dev.authloopback.loopback.proxy.TokenAnswer;
import dev.authloopback.loopback.proxy.TokenProxy;
import dev.authloopback.loopback.request.TokenRequest;
import dev.authloopback.loopback.tracing.RequestSpan;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The token endpoint callers use instead of the real one: {@code /loopback} for the default profile,
 * {@code /loopback/{profile}} for named ones. A transparent proxy with the caching step in front;
 * {@code DELETE} with {@code If-Match} is the conditional eviction.
 *
 * <p>A plain servlet rather than a JAX-RS resource: this is the hot path of every business request,
 * and under load JFR put Jersey's request processing (routing, injection, message-body writers) at
 * about half of the CPU a cache hit costs. The admin views stay JAX-RS ({@link AdminResource}).
 * Every answer carries {@code Cache-Control: no-store} and {@code Pragma: no-cache} (RFC 6749 §5.1).
 */
public final class TokenServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private transient LoopbackRuntime runtime;

    @Override
    public void init() throws ServletException {
        runtime = LoopbackRuntime.of(getServletContext());
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Pragma", "no-cache");
        RequestTarget target = RequestTarget.of(request);
        TokenProxy proxy = runtime.proxy(target.profile());
        // The profile's rules; an unknown one is guarded by the default's before it learns it is unknown.
        LoopbackSettings settings = runtime.rules(target.profile());
        Problem refusal = TokenPortGuard.check(request, settings);
        if (refusal == null) {
            refusal = CallerGuard.check(request, target, settings);
        }
        if (refusal == null && proxy == null) {
            String named = target.profile() == null ? request.getPathInfo() : target.profile();
            refusal = new Problem(404, "unknown-profile", "Unknown profile",
                    "no loopback profile named '" + printable(named) + "'");
        }
        if (refusal != null) {
            refusal.write(response);
            return;
        }
        String method = request.getMethod();
        DpopGate dpop = runtime.dpop(target.profile());
        if (target.dpopMetadata()) {
            dpopMetadata(dpop, method, response);
            return;
        }
        if ("DELETE".equals(method)) {
            evict(proxy, settings, request, response);
        } else if (settings.accepts(method)) {
            token(proxy, settings, dpop, method, request, response);
        } else if ("OPTIONS".equals(method)) {
            response.setHeader("Allow", allowed(settings));
            response.setStatus(HttpServletResponse.SC_NO_CONTENT);
        } else {
            new Problem(405, "method-not-allowed", "Method not allowed",
                    printable(method) + " is not configured for this profile; allowed: " + allowed(settings))
                    .header("Allow", allowed(settings)).write(response);
        }
    }

    private void token(TokenProxy proxy, LoopbackSettings settings, DpopGate dpop, String method,
                       HttpServletRequest request, HttpServletResponse response) throws IOException {
        // GET token requests carry no body (pass-methods / methods for upstreams that hand out tokens on GET).
        byte[] body = "GET".equals(method) ? new byte[0] : readBody(settings, request, response, false);
        if (body == null) {
            return;
        }
        TokenRequest admitted = admit(proxy, request(method, settings, request, body), response);
        if (admitted == null) {
            return;
        }
        if (dpop != null) {
            admitted = withProof(dpop, admitted, request, response);
            if (admitted == null) {
                return;
            }
        }
        try (RequestSpan span = runtime.tracing().request(request, route(request, settings))) {
            TokenAnswer answer;
            try {
                answer = proxy.handle(admitted);
            } catch (UpstreamFailure failure) {
                Problem problem = problemFor(failure);
                span.failed(settings.profile(), CacheStatus.FAILED.name(), problem.status(), problem.type());
                problem.write(response);
                return;
            } catch (NoRoomInFlight busy) {
                Problem problem = busy(busy);
                span.failed(settings.profile(), CacheStatus.FAILED.name(), problem.status(), problem.type());
                problem.write(response);
                return;
            }
            span.answered(settings.profile(), answer.cacheStatus().name(), answer.status());
            if (dpop != null) {
                // The upstream's nonce (RFC 9449 §8) reaches the caller on every answer, HITs included.
                dpop.nonces().remember(answer.dpopNonce());
                String nonce = dpop.nonces().current();
                if (nonce != null) {
                    response.setHeader("DPoP-Nonce", nonce);
                }
            }
            try {
                write(answer, response);
            } finally {
                answer.written();
            }
        }
    }

    /** The span name's route: the template, not the profile a caller typed (low cardinality). */
    private static String route(HttpServletRequest request, LoopbackSettings settings) {
        return request.getContextPath() + (SettingNames.DEFAULT_PROFILE.equals(settings.profile()) ? "" : "/{profile}");
    }

    private static void write(TokenAnswer answer, HttpServletResponse response) throws IOException {
        response.setStatus(answer.status());
        response.setHeader(CacheStatus.HEADER, answer.cacheStatus().name());
        if (answer.contentType() != null) {
            response.setHeader("Content-Type", answer.contentType());
        }
        if (answer.ageSeconds() >= 0) {
            response.setHeader("Age", Long.toString(answer.ageSeconds()));
        }
        if (answer.etag() != null) {
            response.setHeader("ETag", answer.etag());
        }
        if (answer.retryAfter() != null) {
            response.setHeader("Retry-After", answer.retryAfter());
        }
        if (answer.wwwAuthenticate() != null) {
            response.setHeader("WWW-Authenticate", answer.wwwAuthenticate());
        }
        byte[] bytes = answer.body();
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    private static String target(HttpServletRequest request) {
        return RequestTarget.of(request).profile();
    }

    /** GET {@code /loopback[/{profile}]/dpop}: what a caller needs to sign its proofs; 404 for a profile without DPoP. */
    private static void dpopMetadata(DpopGate dpop, String method, HttpServletResponse response) throws IOException {
        if (dpop == null) {
            new Problem(404, "no-dpop", "No DPoP", "this profile does not use DPoP (dpop=true)").write(response);
            return;
        }
        if (!"GET".equals(method)) {
            new Problem(405, "method-not-allowed", "Method not allowed", "DPoP metadata is read with GET")
                    .header("Allow", "GET").write(response);
            return;
        }
        byte[] json = dpop.metadataJson().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (dpop.nonces().current() != null) {
            response.setHeader("DPoP-Nonce", dpop.nonces().current());
        }
        response.setStatus(200);
        response.setContentType("application/json");
        response.setContentLength(json.length);
        response.getOutputStream().write(json);
    }

    /**
     * A DPoP profile's call with its checked proof (RFC 9449 §4.3), on HITs too; {@code null} when
     * refused (400 written, with {@code WWW-Authenticate: DPoP error="invalid_dpop_proof"}).
     */
    private static TokenRequest withProof(DpopGate dpop, TokenRequest admitted, HttpServletRequest request,
                                          HttpServletResponse response) throws IOException {
        try {
            return admitted.withDpop(dpop.check(java.util.Collections.list(request.getHeaders("DPoP")),
                    "POST"));
        } catch (DpopProofRefused refused) {
            new Problem(400, "invalid-dpop-proof", "Invalid DPoP proof", "invalid_dpop_proof: " + refused.getMessage())
                    .header("WWW-Authenticate", "DPoP error=\"invalid_dpop_proof\", algs=\""
                            + String.join(" ", dpopAlgs(dpop)) + "\"")
                    .write(response);
            return null;
        }
    }

    private static java.util.List<String> dpopAlgs(DpopGate dpop) {
        return dpop.algorithms();
    }

    private void evict(TokenProxy proxy, LoopbackSettings settings, HttpServletRequest request,
                       HttpServletResponse response) throws IOException {
        byte[] body = readBody(settings, request, response, true);
        if (body == null) {
            return;
        }
        String ifMatch = request.getHeader("If-Match");
        if (ifMatch == null || ifMatch.isBlank()) {
            new Problem(428, "if-match-required", "If-Match required",
                    "send the ETag of the token answer to evict in If-Match, so a renewed token is never dropped")
                    .write(response);
            return;
        }
        String method = settings.methods().contains("POST") ? "POST" : settings.methods().iterator().next();
        TokenRequest admitted = admit(proxy, request(method, settings, request, body), response);
        if (admitted == null) {
            return;
        }
        DpopGate dpop = runtime.dpop(target(request));
        if (dpop != null) {
            // An eviction repeats the token request, proof included: it names the key's entry.
            admitted = withProof(dpop, admitted, request, response);
            if (admitted == null) {
                return;
            }
        }
        EvictionResult result = proxy.evict(admitted, ifMatch.trim());
        switch (result) {
            case EVICTED -> response.setStatus(HttpServletResponse.SC_NO_CONTENT);
            case NEWER_TOKEN -> new Problem(412, "token-renewed", "Entry holds another token",
                    "the entry holds a token other than the one named in If-Match; it was kept").write(response);
            case ABSENT -> new Problem(404, "no-entry", "No entry", "nothing is stored for this request")
                    .write(response);
            case TOO_SOON -> new Problem(429, "refresh-rate-limited", "Forced refresh too soon",
                    "at most one forced refresh per key every " + settings.minRefreshInterval())
                    .header("Retry-After", Math.max(1, settings.minRefreshInterval().toSeconds())).write(response);
        }
    }

    /** Size and type checks shared by token requests and evictions; {@code null} when refused (answer written). */
    private static byte[] readBody(LoopbackSettings settings, HttpServletRequest request, HttpServletResponse response,
                                   boolean eviction) throws IOException {
        if (request.getContentLengthLong() > settings.maxRequestBytes()) {
            tooLarge(settings).write(response);
            return null;
        }
        byte[] bytes;
        try {
            bytes = RequestBody.of(request, request.getInputStream(), settings.maxRequestBytes());
        } catch (IOException e) {
            new Problem(400, "unreadable-request", "Request body unreadable",
                    "the request body could not be read (" + e.getClass().getSimpleName() + ")").write(response);
            return null;
        }
        if (bytes == null) {
            tooLarge(settings).write(response);
            return null;
        }
        String contentType = request.getContentType();
        if ((contentType != null || bytes.length > 0) && !TokenRequest.isForm(contentType)
                && !TokenRequest.isJson(contentType)) {
            new Problem(415, "unsupported-media-type", "Unsupported media type",
                    "token requests must be application/x-www-form-urlencoded or application/json"
                            + (eviction ? " (evictions repeat the token request)" : "")).write(response);
            return null;
        }
        return bytes;
    }

    private static TokenRequest request(String method, LoopbackSettings settings, HttpServletRequest request,
                                        byte[] body) {
        Map<String, String> keyHeaders = Map.of();
        if (!settings.keyHeaders().isEmpty()) {
            keyHeaders = new LinkedHashMap<>();
            for (String name : settings.keyHeaders()) {
                String value = request.getHeader(name);
                if (value != null) {
                    keyHeaders.put(name, value);
                }
            }
        }
        return new TokenRequest(method, request.getContentType(), request.getHeader("Accept"),
                request.getHeader("Authorization"), keyHeaders, body);
    }

    /** The request as the profile keys it, or {@code null} when refused (400, or 403 beyond a ceiling, written). */
    private static TokenRequest admit(TokenProxy proxy, TokenRequest caller, HttpServletResponse response)
            throws IOException {
        try {
            return proxy.admit(caller);
        } catch (CallerRequestRefused refused) {
            new Problem(refused.status(), refused.slug(), refused.title(), refused.getMessage()).write(response);
            return null;
        }
    }

    /** The one place an upstream failure becomes an HTTP answer: 502 or 504 problem JSON. */
    static Problem problemFor(UpstreamFailure failure) {
        UpstreamFailure.Kind kind = failure.kind();
        Problem problem = new Problem(kind.status(), kind.slug(), kind.title(), failure.getMessage());
        return kind == UpstreamFailure.Kind.EXCHANGE_RATE_LIMITED ? problem.header("Retry-After", 1) : problem;
    }

    /**
     * 503 while the bytes in flight are at {@code max-bytes-in-flight}: the caller may come back in a
     * second, when the transfers ahead of it have ended; nothing was stored.
     */
    public static Problem busy(NoRoomInFlight busy) {
        return new Problem(503, "busy", "Loopback busy", busy.getMessage())
                .header("Retry-After", NoRoomInFlight.RETRY_AFTER_SECONDS);
    }

    private static String allowed(LoopbackSettings settings) {
        TreeSet<String> allow = new TreeSet<>(settings.methods());
        allow.addAll(settings.passMethods());
        allow.add("DELETE");
        return String.join(", ", allow);
    }

    private static Problem tooLarge(LoopbackSettings settings) {
        return new Problem(413, "request-too-large", "Request body too large",
                "token requests are limited to max-request-bytes=" + settings.maxRequestBytes());
    }

    private static String printable(String value) {
        if (value == null) {
            return "";
        }
        String cut = value.length() > 64 ? value.substring(0, 64) : value;
        return cut.replaceAll("[^A-Za-z0-9_.-]", "?");
    }
}
