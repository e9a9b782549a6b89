package dev.authloopback.testsupport.oauth2;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.X509CertUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.authloopback.testsupport.TestPki;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * A client-credentials token endpoint (JDK HTTP server on 127.0.0.1, a free port) that checks the
 * client authentication the way an IdP does and refuses with 401 {@code invalid_client} otherwise:
 * the Basic header (RFC 6749 §2.3.1), the form fields, an RFC 7523 assertion's signature and its
 * {@code iss}/{@code sub}/{@code aud}/{@code exp}/{@code jti} (a {@code jti} seen before is a replay),
 * or, on a TLS listener that requires a client certificate, the certificate's subject (RFC 8705).
 * Every call is recorded with why it was refused, if it was.
 *
 * <p>Assertions are verified as a real IdP does with one registered credential, not by our own
 * reading of the header: a {@code kid} is neither required nor looked up (the registered key is
 * tried, as Keycloak does for a client whose key was registered as a certificate); when a certificate
 * was registered, an {@code x5t#S256} or {@code x5t} header must be its thumbprint (Entra ID finds a
 * certificate credential by it). {@code client_secret_jwt} is verified with HS256 and the current
 * secret. A platform-issued assertion ({@link #platformAssertion}) is checked for the platform's
 * signature, {@code exp} and the configured {@code client_assertion_type}; it is re-sent until the
 * platform renews it, so its {@code jti} is not a replay.
 */
public final class VerifyingTokenEndpoint implements AutoCloseable {
    public static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private enum Method { BASIC, POST, JWT, SECRET_JWT, PLATFORM_JWT, TLS }

    /** The JWS header of an assertion as it arrived (alg and the key identifiers, each {@code null} when absent). */
    public record AssertionHeader(String alg, String kid, String x5tS256, String x5t) {
    }

    /**
     * One token request as the endpoint saw it; {@code refusal} is {@code null} when a token was issued;
     * {@code assertionHeader} is {@code null} without a readable assertion.
     */
    public record Call(Map<String, List<String>> form, boolean hadAuthorization, String jti, String certificateSubject,
                       String refusal, String accessToken, AssertionHeader assertionHeader) {
        public String field(String name) {
            List<String> values = form.get(name);
            return values == null ? null : String.join(",", values);
        }

        @Override
        public String toString() {
            return "Call[fields=" + form.keySet() + " jti=" + jti + " cert=" + certificateSubject + " refusal=" + refusal + "]";
        }
    }

    private final Method method;
    private final String clientId;
    private volatile String secret;
    private final PublicKey publicKey;
    /** The registered certificate, when the client's key was registered as one; else {@code null}. */
    private final X509Certificate certificate;
    private final String assertionType;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Set<String> seenJtis = ConcurrentHashMap.newKeySet();

    private VerifyingTokenEndpoint(Method method, String clientId, String secret, PublicKey publicKey, TestPki tls) {
        this(method, clientId, secret, publicKey, null, JWT_BEARER, tls);
    }

    private VerifyingTokenEndpoint(Method method, String clientId, String secret, PublicKey publicKey,
                                   X509Certificate certificate, String assertionType, TestPki tls) {
        this.method = method;
        this.clientId = clientId;
        this.secret = secret;
        this.publicKey = certificate != null ? certificate.getPublicKey() : publicKey;
        this.certificate = certificate;
        this.assertionType = assertionType;
        try {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);
            if (tls == null) {
                server = HttpServer.create(address, 0);
            } else {
                HttpsServer https = HttpsServer.create(address, 0);
                SSLContext context = serverContext(tls);
                https.setHttpsConfigurator(new HttpsConfigurator(context) {
                    @Override
                    public void configure(HttpsParameters params) {
                        SSLParameters parameters = context.getDefaultSSLParameters();
                        parameters.setNeedClientAuth(true);
                        params.setSSLParameters(parameters);
                    }
                });
                server = https;
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot bind", e);
        }
        server.createContext("/token", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public static VerifyingTokenEndpoint clientSecretBasic(String clientId, String secret) {
        return new VerifyingTokenEndpoint(Method.BASIC, clientId, secret, null, null);
    }

    public static VerifyingTokenEndpoint clientSecretPost(String clientId, String secret) {
        return new VerifyingTokenEndpoint(Method.POST, clientId, secret, null, null);
    }

    /** The client's key registered as a bare public key (a JWK): no certificate thumbprint to check. */
    public static VerifyingTokenEndpoint privateKeyJwt(String clientId, PublicKey clientKey) {
        return new VerifyingTokenEndpoint(Method.JWT, clientId, null, clientKey, null);
    }

    /** The client's key registered as a certificate: {@code x5t#S256} / {@code x5t}, when sent, must be its thumbprints. */
    public static VerifyingTokenEndpoint privateKeyJwt(String clientId, X509Certificate clientCertificate) {
        return new VerifyingTokenEndpoint(Method.JWT, clientId, null, null, clientCertificate, JWT_BEARER, null);
    }

    /** {@code client_secret_jwt}: HS256 keyed by the (current, see {@link #acceptSecret}) client secret. */
    public static VerifyingTokenEndpoint clientSecretJwt(String clientId, String secret) {
        return new VerifyingTokenEndpoint(Method.SECRET_JWT, clientId, secret, null, null);
    }

    /**
     * Workload identity: {@code client_id} plus a JWT signed by the platform ({@code platformKey}), sent
     * with {@code assertionType}; its {@code aud} must hold this endpoint's URL and its {@code exp} lie ahead.
     */
    public static VerifyingTokenEndpoint platformAssertion(String clientId, PublicKey platformKey, String assertionType) {
        return new VerifyingTokenEndpoint(Method.PLATFORM_JWT, clientId, null, platformKey, null, assertionType, null);
    }

    /** HTTPS with the PKI's server certificate; a client certificate signed by its CA is required. */
    public static VerifyingTokenEndpoint tlsClientAuth(String clientId, TestPki pki) {
        return new VerifyingTokenEndpoint(Method.TLS, clientId, null, null, pki);
    }

    /** The secret the endpoint accepts from now on (the IdP side of a rotation). */
    public void acceptSecret(String newSecret) {
        this.secret = newSecret;
    }

    public URI tokenUrl() {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/token");
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public List<String> refusals() {
        return calls.stream().map(Call::refusal).filter(r -> r != null).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, List<String>> form = parseForm(new String(body, StandardCharsets.UTF_8));
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            String subject = null;
            if (exchange instanceof HttpsExchange https) {
                try {
                    subject = ((X509Certificate) https.getSSLSession().getPeerCertificates()[0])
                            .getSubjectX500Principal().getName();
                } catch (Exception e) {
                    subject = null;
                }
            }
            String[] jti = new String[1];
            AssertionHeader[] header = new AssertionHeader[1];
            String refusal = verify(exchange, form, authorization, subject, jti, header);
            String token = refusal == null ? "vt-" + UUID.randomUUID() : null;
            calls.add(new Call(form, authorization != null, jti[0], subject, refusal, token, header[0]));
            byte[] answer = (refusal == null
                    ? "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}"
                    : "{\"error\":\"invalid_client\",\"error_description\":\"" + refusal.replace('"', '\'') + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(refusal == null ? 200 : 401, answer.length);
            exchange.getResponseBody().write(answer);
        }
    }

    private String verify(HttpExchange exchange, Map<String, List<String>> form, String authorization, String subject,
                          String[] jti, AssertionHeader[] header) {
        if (!"POST".equals(exchange.getRequestMethod())) {
            return "method " + exchange.getRequestMethod();
        }
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.startsWith("application/x-www-form-urlencoded")) {
            return "content type " + type;
        }
        if (!List.of("client_credentials").equals(form.get("grant_type"))) {
            return "grant_type " + form.get("grant_type");
        }
        switch (method) {
            case BASIC -> {
                String expected = "Basic " + Base64.getEncoder().encodeToString((enc(clientId) + ":" + enc(secret))
                        .getBytes(StandardCharsets.UTF_8));
                if (!expected.equals(authorization)) {
                    return "Basic header does not match client id and current secret";
                }
                if (form.containsKey("client_secret") || form.containsKey("client_assertion")) {
                    return "credential in the body next to Basic";
                }
            }
            case POST -> {
                if (authorization != null) {
                    return "Authorization header sent with client_secret_post";
                }
                if (!List.of(clientId).equals(form.get("client_id")) || !List.of(secret).equals(form.get("client_secret"))) {
                    return "client_id/client_secret do not match the current secret";
                }
            }
            case JWT, SECRET_JWT, PLATFORM_JWT -> {
                return verifyAssertion(form, authorization, jti, header);
            }
            case TLS -> {
                if (subject == null || !subject.contains("CN=" + TestPki.CLIENT_CN)) {
                    return "client certificate " + subject;
                }
                if (!List.of(clientId).equals(form.get("client_id")) || authorization != null
                        || form.containsKey("client_secret")) {
                    return "tls_client_auth must send client_id only";
                }
            }
        }
        return null;
    }

    private String verifyAssertion(Map<String, List<String>> form, String authorization, String[] jti,
                                   AssertionHeader[] header) {
        if (authorization != null || form.containsKey("client_secret")) {
            return "a secret next to the assertion";
        }
        if (!List.of(assertionType).equals(form.get("client_assertion_type"))) {
            return "client_assertion_type " + form.get("client_assertion_type");
        }
        List<String> assertion = form.get("client_assertion");
        if (assertion == null || assertion.size() != 1) {
            return "no single client_assertion";
        }
        try {
            SignedJWT jwt = SignedJWT.parse(assertion.get(0));
            JWSHeader jws = jwt.getHeader();
            header[0] = new AssertionHeader(jws.getAlgorithm().getName(), jws.getKeyID(),
                    jws.getX509CertSHA256Thumbprint() == null ? null : jws.getX509CertSHA256Thumbprint().toString(),
                    (String) jws.toJSONObject().get("x5t")); // its getter is deprecated, the parameter is not
            // No kid lookup: the one registered credential is tried, whatever kid says.
            if (!jwt.verify(verifier())) {
                return "assertion signature does not verify with the client's registered credential";
            }
            String thumbprints = checkThumbprints(header[0]);
            if (thumbprints != null) {
                return thumbprints;
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            jti[0] = claims.getJWTID();
            Instant now = Instant.now();
            if (method == Method.PLATFORM_JWT) {
                if (!List.of(clientId).equals(form.get("client_id"))) {
                    return "client_id " + form.get("client_id");
                }
            } else if (!clientId.equals(claims.getIssuer()) || !clientId.equals(claims.getSubject())) {
                return "iss/sub " + claims.getIssuer() + "/" + claims.getSubject();
            }
            if (claims.getAudience() == null || !claims.getAudience().contains(tokenUrl().toString())) {
                return "aud " + claims.getAudience();
            }
            if (claims.getExpirationTime() == null || !claims.getExpirationTime().toInstant().isAfter(now)) {
                return "exp " + claims.getExpirationTime();
            }
            if (method == Method.PLATFORM_JWT) {
                return null; // re-sent until the platform renews it: its jti is no replay
            }
            if (claims.getExpirationTime().toInstant().isAfter(now.plusSeconds(600))) {
                return "exp " + claims.getExpirationTime();
            }
            if (jti[0] == null || !seenJtis.add(jti[0])) {
                return "jti missing or replayed: " + jti[0];
            }
            return null;
        } catch (Exception e) {
            return "assertion unreadable: " + e.getClass().getSimpleName();
        }
    }

    private JWSVerifier verifier() throws Exception {
        if (method == Method.SECRET_JWT) {
            return new MACVerifier(secret.getBytes(StandardCharsets.UTF_8));
        }
        return publicKey instanceof RSAPublicKey rsa ? new RSASSAVerifier(rsa) : new ECDSAVerifier((ECPublicKey) publicKey);
    }

    /** RFC 7515 §4.1.7-8: a certificate thumbprint that is sent must be the registered certificate's. */
    private String checkThumbprints(AssertionHeader header) throws Exception {
        if (certificate == null) {
            return null;
        }
        String sha256 = X509CertUtils.computeSHA256Thumbprint(certificate).toString();
        String sha1 = Base64URL.encode(MessageDigest.getInstance("SHA-1").digest(certificate.getEncoded())).toString();
        if (header.x5tS256() != null && !sha256.equals(header.x5tS256())) {
            return "x5t#S256 " + header.x5tS256() + " is not the registered certificate's " + sha256;
        }
        if (header.x5t() != null && !sha1.equals(header.x5t())) {
            return "x5t " + header.x5t() + " is not the registered certificate's " + sha1;
        }
        return null;
    }

    private static Map<String, List<String>> parseForm(String body) {
        Map<String, List<String>> form = new LinkedHashMap<>();
        for (String field : body.split("&")) {
            if (field.isEmpty()) {
                continue;
            }
            int eq = field.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? field : field.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(field.substring(eq + 1), StandardCharsets.UTF_8);
            form.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return form;
    }

    private static String enc(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static SSLContext serverContext(TestPki pki) {
        try {
            char[] password = TestPki.PASSWORD.toCharArray();
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(KeyStore.getInstance(pki.serverKeyStore().toFile(), password), password);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(KeyStore.getInstance(pki.trustStore().toFile(), password));
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("server TLS context", e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

}
