package dev.authloopback.testsupport.oauth2;

import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
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
 * the Basic header (RFC 6749 §2.3.1), the form fields, an RFC 7523 assertion's signature against the
 * client's public key and its {@code iss}/{@code sub}/{@code aud}/{@code exp}/{@code jti} (a
 * {@code jti} seen before is a replay), or, on a TLS listener that requires a client certificate,
 * the certificate's subject (RFC 8705). Every call is recorded with why it was refused, if it was.
 */
public final class VerifyingTokenEndpoint implements AutoCloseable {
    public static final String JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private enum Method { BASIC, POST, JWT, TLS }

    /** One token request as the endpoint saw it; {@code refusal} is {@code null} when a token was issued. */
    public record Call(Map<String, List<String>> form, boolean hadAuthorization, String jti, String certificateSubject,
                       String refusal, String accessToken) {
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
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Set<String> seenJtis = ConcurrentHashMap.newKeySet();

    private VerifyingTokenEndpoint(Method method, String clientId, String secret, PublicKey publicKey, TestPki tls) {
        this.method = method;
        this.clientId = clientId;
        this.secret = secret;
        this.publicKey = publicKey;
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

    public static VerifyingTokenEndpoint privateKeyJwt(String clientId, PublicKey clientKey) {
        return new VerifyingTokenEndpoint(Method.JWT, clientId, null, clientKey, null);
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
            String refusal = verify(exchange, form, authorization, subject, jti);
            String token = refusal == null ? "vt-" + UUID.randomUUID() : null;
            calls.add(new Call(form, authorization != null, jti[0], subject, refusal, token));
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
                          String[] jti) {
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
            case JWT -> {
                return verifyAssertion(form, authorization, jti);
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

    private String verifyAssertion(Map<String, List<String>> form, String authorization, String[] jti) {
        if (authorization != null || form.containsKey("client_secret")) {
            return "a secret next to the assertion";
        }
        if (!List.of(JWT_BEARER).equals(form.get("client_assertion_type"))) {
            return "client_assertion_type " + form.get("client_assertion_type");
        }
        List<String> assertion = form.get("client_assertion");
        if (assertion == null || assertion.size() != 1) {
            return "no single client_assertion";
        }
        try {
            SignedJWT jwt = SignedJWT.parse(assertion.get(0));
            JWSVerifier verifier = publicKey instanceof RSAPublicKey rsa ? new RSASSAVerifier(rsa)
                    : new ECDSAVerifier((ECPublicKey) publicKey);
            if (!jwt.verify(verifier)) {
                return "assertion signature does not verify with the client's public key";
            }
            if (jwt.getHeader().getKeyID() == null) {
                return "assertion has no kid";
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            jti[0] = claims.getJWTID();
            Instant now = Instant.now();
            if (!clientId.equals(claims.getIssuer()) || !clientId.equals(claims.getSubject())) {
                return "iss/sub " + claims.getIssuer() + "/" + claims.getSubject();
            }
            if (claims.getAudience() == null || !claims.getAudience().contains(tokenUrl().toString())) {
                return "aud " + claims.getAudience();
            }
            if (claims.getExpirationTime() == null || !claims.getExpirationTime().toInstant().isAfter(now)
                    || claims.getExpirationTime().toInstant().isAfter(now.plusSeconds(600))) {
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
