package dev.authloopback.it.bench;

import dev.authloopback.testsupport.http.Jetty;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;

/**
 * The OAuth2 token endpoint behind every row, in the driver's JVM (not in the server under test):
 * a client_credentials POST answers {@code {"access_token":"<JWT>","token_type":"Bearer","expires_in":3600}}
 * with a new RS256-sized JWT each time (unique {@code jti}, 256-byte signature part). Every field
 * has a fixed width, so every answer has exactly {@link #ANSWER_BYTES} bytes: the floor row answers
 * that many bytes too, and the heap row stores realistic entries.
 *
 * <p>Why not mock-oauth2-server (which the ITs use): the benchmark needs a token endpoint of a
 * chosen latency (zero for filling 100,000 keys, ~50 ms for "before", a long hold for the herd),
 * exact call counts per route, and answers of a known size; mock-oauth2-server signs every token
 * (about a millisecond of CPU on the shared cores) and over keep-alive stalls about 45 ms on TCP
 * delayed ACK. Each {@link Route} counts its calls; a delayed route answers from a scheduler, so
 * waiting requests hold no thread.
 */
final class BenchTokenEndpoint implements AutoCloseable {

    /** What an answer looks like; {@link #ANSWER_BYTES} is its exact length. */
    static final int ANSWER_BYTES = answer(token()).length;

    /** The token routes; each has its own latency and counter. */
    enum Route {
        /** The loopback's default profile: the rows' token, one warming MISS. */
        TOKEN("/token"),
        /** The heap row's profile: one call per distinct key filled. */
        FILL("/fill-token"),
        /** The "before" row: the business app's filter calls it on every request. */
        BEFORE("/slow-token"),
        /** The herd's profile: held long enough that the herd arrives while the one call is in flight. */
        HERD("/herd-token"),
        /** The {@code obo} row's exchange profile: one token exchange per user token (issue 22). */
        OBO("/obo-token"),
        /** The {@code dpop} row's profile (issue 25): answers {@code token_type} DPoP, one warming MISS. */
        DPOP("/dpop-token");

        final String path;

        Route(String path) {
            this.path = path;
        }
    }

    private static final String ISSUER = "https://idp.bench.example/oauth2/default";
    private static final int SIGNATURE_BYTES = 256; // RSA-2048
    private static final int MAX_BODY = 16 * 1024;

    private final Server server;
    private final ScheduledExecutorService scheduler;
    private final Map<Route, LongAdder> calls = new EnumMap<>(Route.class);
    /** Signs the {@code obo} row's user token; its public half is served at {@link #JWKS_PATH}. */
    private final com.nimbusds.jose.jwk.ECKey userKey;
    static final String JWKS_PATH = "/jwks";
    static final String USER_AUDIENCE = "bench-business";

    private BenchTokenEndpoint(Map<Route, Duration> delays) {
        server = Jetty.server("bench-token-endpoint");
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "bench-token-delay");
            thread.setDaemon(true);
            return thread;
        });
        ServletContextHandler context = new ServletContextHandler("/");
        for (Route route : Route.values()) {
            LongAdder counter = new LongAdder();
            calls.put(route, counter);
            ServletHolder holder = new ServletHolder(route.name(),
                    new TokenServlet(counter, delays.getOrDefault(route, Duration.ZERO), scheduler, route == Route.DPOP));
            holder.setAsyncSupported(true);
            context.addServlet(holder, route.path);
        }
        try {
            userKey = new com.nimbusds.jose.jwk.gen.ECKeyGenerator(com.nimbusds.jose.jwk.Curve.P_256).keyID("bench-user-key")
                    .keyUse(com.nimbusds.jose.jwk.KeyUse.SIGNATURE).generate();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
        byte[] jwks = new com.nimbusds.jose.jwk.JWKSet(userKey.toPublicJWK()).toString().getBytes(StandardCharsets.US_ASCII);
        context.addServlet(new ServletHolder("jwks", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                TokenServlet.write(resp, 200, jwks);
            }
        }), JWKS_PATH);
        server.setHandler(context);
    }

    /** Starts on 127.0.0.1 and a free port; routes not in {@code delays} answer at once. */
    static BenchTokenEndpoint start(Map<Route, Duration> delays) {
        BenchTokenEndpoint endpoint = new BenchTokenEndpoint(delays);
        try {
            endpoint.server.start();
        } catch (Exception e) {
            endpoint.close();
            throw new IllegalStateException("starting the bench token endpoint", e);
        }
        return endpoint;
    }

    URI url(Route route) {
        return URI.create("http://127.0.0.1:" + Jetty.port(server) + route.path);
    }

    URI jwksUrl() {
        return URI.create("http://127.0.0.1:" + Jetty.port(server) + JWKS_PATH);
    }

    static String issuer() {
        return ISSUER;
    }

    /** The {@code obo} row's known user: an ES256 access token of this issuer for {@value #USER_AUDIENCE}, valid 2 h. */
    String userToken() {
        long now = System.currentTimeMillis();
        try {
            com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(
                    new com.nimbusds.jose.JWSHeader.Builder(com.nimbusds.jose.JWSAlgorithm.ES256).keyID(userKey.getKeyID()).build(),
                    new com.nimbusds.jwt.JWTClaimsSet.Builder().issuer(ISSUER).audience(USER_AUDIENCE).subject("bench-user")
                            .claim("sid", "bench-session").issueTime(new java.util.Date(now))
                            .expirationTime(new java.util.Date(now + 7_200_000)).jwtID(jti()).build());
            jwt.sign(new com.nimbusds.jose.crypto.ECDSASigner(userKey));
            return jwt.serialize();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Token requests this route received so far (counted on arrival). */
    long calls(Route route) {
        return calls.get(route).sum();
    }

    @Override
    public void close() {
        try {
            Jetty.stop(server);
        } finally {
            scheduler.shutdownNow();
        }
    }

    /** A JWT-shaped token of fixed length: base64url header, claims with fixed-width values, signature. */
    static String token() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        long now = System.currentTimeMillis() / 1000; // ten digits until 2286
        String header = "{\"kid\":\"bench-key-1\",\"typ\":\"JWT\",\"alg\":\"RS256\"}";
        String claims = "{\"sub\":\"bench-client\",\"aud\":\"bench-api\",\"nbf\":" + now + ",\"azp\":\"bench-client\""
                + ",\"scope\":\"backend\",\"iss\":\"" + ISSUER + "\",\"exp\":" + (now + 3600) + ",\"iat\":" + now
                + ",\"jti\":\"" + jti() + "\",\"tid\":\"default\"}";
        byte[] signature = new byte[SIGNATURE_BYTES];
        ThreadLocalRandom.current().nextBytes(signature);
        return b64.encodeToString(header.getBytes(StandardCharsets.US_ASCII)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.US_ASCII)) + "." + b64.encodeToString(signature);
    }

    /** A random UUID-shaped id; not {@link UUID#randomUUID()}, whose SecureRandom costs CPU the server could use. */
    private static String jti() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    static byte[] answer(String token) {
        return ("{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The {@code dpop} row's answer: same size as {@link #answer}, {@code token_type} DPoP, the token
     * opaque (dots replaced) so the loopback stores it on {@code token_type} alone: a readable JWT would
     * need a {@code cnf.jkt} of the proof's key (docs/dpop.md), which this fixed endpoint does not read.
     */
    static byte[] dpopAnswer() {
        return ("{\"access_token\":\"" + token().replace('.', '_') + "\",\"token_type\":\"DPoP\",\"expires_in\":3600}")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static final class TokenServlet extends HttpServlet {
        private final transient LongAdder counter;
        private final transient Duration delay;
        private final transient ScheduledExecutorService scheduler;
        private final boolean dpop;

        TokenServlet(LongAdder counter, Duration delay, ScheduledExecutorService scheduler, boolean dpop) {
            this.counter = counter;
            this.delay = delay;
            this.scheduler = scheduler;
            this.dpop = dpop;
        }

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            counter.increment();
            String body = readBody(req.getInputStream());
            // RFC 6749 §4.4.2: a client_credentials token request; anything else is refused as an IdP would.
            // The obo route answers RFC 8693 token exchanges (issue 22) as the IdP would.
            if (body == null || !body.contains("grant_type=client_credentials")
                    && !body.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange")) {
                write(resp, 400, "{\"error\":\"unsupported_grant_type\"}".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            byte[] answer = dpop ? dpopAnswer() : answer(token());
            if (delay.isZero()) {
                write(resp, 200, answer);
                return;
            }
            AsyncContext async = req.startAsync();
            async.setTimeout(delay.toMillis() + 30_000);
            scheduler.schedule(() -> {
                try {
                    write((HttpServletResponse) async.getResponse(), 200, answer);
                } catch (IOException e) {
                    // the caller went away (its timeout); nothing to answer
                } finally {
                    async.complete();
                }
            }, delay.toNanos(), TimeUnit.NANOSECONDS);
        }

        private static String readBody(InputStream in) throws IOException {
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            return bytes.length > MAX_BODY ? null : new String(bytes, StandardCharsets.UTF_8);
        }

        private static void write(HttpServletResponse resp, int status, byte[] body) throws IOException {
            resp.setStatus(status);
            resp.setContentType("application/json");
            resp.setHeader("Cache-Control", "no-store");
            resp.setContentLength(body.length);
            resp.getOutputStream().write(body);
        }
    }
}
