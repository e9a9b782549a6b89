package dev.authloopback.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A resource server that accepts DPoP-bound tokens only as RFC 9449 §7 asks: {@code Authorization:
 * DPoP <token>}, a proof signed by the key in its header, {@code htm}/{@code htu} of the call,
 * {@code ath} = the token's hash, a {@code jti} used once, and the token's {@code cnf.jkt} equal to
 * the proof key's thumbprint. With {@link #demandNonce()} it also wants its current nonce in the
 * proof (§9), answering 401 {@code use_dpop_nonce} with a {@code DPoP-Nonce} otherwise.
 */
public final class DpopResourceServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final ObjectMapper json = new ObjectMapper();
    private final Set<String> jtis = ConcurrentHashMap.newKeySet();
    /** One line per request: "200" or "401 <reason>". */
    private final List<String> outcomes = new CopyOnWriteArrayList<>();
    private volatile String nonce;

    private DpopResourceServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
    }

    public static DpopResourceServer start() throws IOException {
        DpopResourceServer rs = new DpopResourceServer();
        rs.server.start();
        return rs;
    }

    public DpopResourceServer demandNonce() {
        nonce = "rs-nonce-" + UUID.randomUUID();
        return this;
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    public List<String> outcomes() {
        return List.copyOf(outcomes);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String refusal = refusal(exchange);
        outcomes.add(refusal == null ? "200" : "401 " + refusal);
        if (nonce != null) {
            exchange.getResponseHeaders().set("DPoP-Nonce", nonce);
        }
        byte[] body;
        if (refusal == null) {
            body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
        } else {
            String error = refusal.startsWith("nonce") ? "use_dpop_nonce" : "invalid_token";
            exchange.getResponseHeaders().set("WWW-Authenticate", "DPoP error=\"" + error + "\", algs=\"ES256\"");
            body = ("{\"error\":\"" + error + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(401, body.length);
        }
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    private String refusal(HttpExchange exchange) {
        try {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            List<String> proofs = exchange.getRequestHeaders().get("DPoP");
            if (authorization == null || !authorization.startsWith("DPoP ")) {
                return "no DPoP authorization";
            }
            if (proofs == null || proofs.size() != 1) {
                return "not one proof";
            }
            String token = authorization.substring(5);
            SignedJWT proof = SignedJWT.parse(proofs.get(0));
            if (!new JOSEObjectType("dpop+jwt").equals(proof.getHeader().getType())) {
                return "typ";
            }
            ECKey key = (ECKey) proof.getHeader().getJWK();
            if (key.isPrivate() || !proof.verify(new ECDSAVerifier(key))) {
                return "signature";
            }
            JWTClaimsSet claims = proof.getJWTClaimsSet();
            URI called = url(exchange.getRequestURI().getRawPath());
            if (!exchange.getRequestMethod().equals(claims.getStringClaim("htm"))
                    || !called.toString().equals(claims.getStringClaim("htu"))) {
                return "htm/htu";
            }
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
            if (!Base64.getUrlEncoder().withoutPadding().encodeToString(hash).equals(claims.getStringClaim("ath"))) {
                return "ath";
            }
            if (Math.abs(claims.getIssueTime().getTime() - System.currentTimeMillis()) > 60_000) {
                return "iat";
            }
            if (!jtis.add(claims.getJWTID())) {
                return "jti replayed";
            }
            JsonNode payload = json.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
            if (!key.computeThumbprint().toString().equals(payload.path("cnf").path("jkt").asText())) {
                return "cnf.jkt";
            }
            if (nonce != null && !nonce.equals(claims.getStringClaim("nonce"))) {
                return "nonce missing or stale";
            }
            return null;
        } catch (Exception e) {
            return "unreadable: " + e.getClass().getSimpleName();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
