package dev.authloopback.it.support;

import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A token endpoint that hands out DPoP-bound tokens the way RFC 9449 §5 and §8 describe, with the
 * faults a real IdP may show: it can demand its nonce ({@code 400 use_dpop_nonce} + {@code DPoP-Nonce}
 * until a proof carries it), or downgrade to {@code token_type Bearer}. It checks only what those
 * flows need (a proof is present and carries the nonce); the loopback's own checks are unit-tested.
 */
public final class DpopTokenEndpoint implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final String nonce;
    private final boolean downgrade;

    private DpopTokenEndpoint(String nonce, boolean downgrade) throws IOException {
        this.nonce = nonce;
        this.downgrade = downgrade;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/token", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** Demands {@code nonce} in every proof. */
    public static DpopTokenEndpoint demandingNonce(String nonce) throws IOException {
        return new DpopTokenEndpoint(nonce, false);
    }

    /** Answers {@code token_type Bearer} although a proof was sent. */
    public static DpopTokenEndpoint downgradingToBearer() throws IOException {
        return new DpopTokenEndpoint(null, true);
    }

    public URI tokenUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
    }

    /** One line per call: "400 use_dpop_nonce", "200 DPoP", "200 Bearer", "400 no proof". */
    public List<String> calls() {
        return List.copyOf(calls);
    }

    private void handle(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        String proof = exchange.getRequestHeaders().getFirst("DPoP");
        String answer;
        int status;
        if (proof == null) {
            status = 400;
            answer = "{\"error\":\"invalid_dpop_proof\",\"error_description\":\"DPoP proof is missing\"}";
            calls.add("400 no proof");
        } else {
            String jkt;
            String presented;
            try {
                SignedJWT jwt = SignedJWT.parse(proof);
                jkt = jwt.getHeader().getJWK().computeThumbprint().toString();
                presented = jwt.getJWTClaimsSet().getStringClaim("nonce");
            } catch (Exception e) {
                throw new IOException(e);
            }
            if (nonce != null && !nonce.equals(presented)) {
                status = 400;
                answer = "{\"error\":\"use_dpop_nonce\",\"error_description\":\"Authorization server requires nonce in DPoP proof\"}";
                exchange.getResponseHeaders().set("DPoP-Nonce", nonce);
                calls.add("400 use_dpop_nonce");
            } else {
                String type = downgrade ? "Bearer" : "DPoP";
                status = 200;
                answer = "{\"access_token\":\"" + jwt(downgrade ? "{}" : "{\"cnf\":{\"jkt\":\"" + jkt + "\"}}")
                        + "\",\"token_type\":\"" + type + "\",\"expires_in\":300}";
                if (nonce != null) {
                    exchange.getResponseHeaders().set("DPoP-Nonce", nonce);
                }
                calls.add("200 " + type);
            }
        }
        byte[] body = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    private String jwt(String claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String payload = claims.substring(0, claims.length() - 1) + (claims.length() > 2 ? "," : "")
                + "\"jti\":\"" + calls.size() + "-" + System.nanoTime() + "\"}";
        return b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + ".c2ln";
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
