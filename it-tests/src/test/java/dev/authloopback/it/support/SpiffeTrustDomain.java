package dev.authloopback.it.support;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.authloopback.testsupport.http.Jetty;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;

/**
 * What SPIRE is to a workload, in the test: a SPIFFE trust domain with two JWT signing keys, its
 * bundle endpoint (the SPIFFE JWKS, {@code "use":"jwt-svid"}, {@code spiffe_sequence},
 * {@code spiffe_refresh_hint}) served on 127.0.0.1 for Keycloak's SPIFFE identity provider, and
 * the JWT-SVIDs it writes into a file the way a SPIFFE helper or a Kubernetes projected volume
 * does: the whole new file renamed into place, so a reader sees the old file or the new one.
 *
 * <p>Successive SVIDs alternate between the two keys (both in the bundle from the start, as a
 * trust domain announces its next key before signing with it) and carry a fresh {@code jti}, so
 * Keycloak's events tell which SVID each token call presented.
 */
public final class SpiffeTrustDomain implements AutoCloseable {
    private static final String PATH = "/bundle";

    private final String spiffeId;
    private final List<ECKey> keys = new ArrayList<>();
    private final AtomicInteger written = new AtomicInteger();
    private final AtomicInteger bundleFetches = new AtomicInteger();
    private final Server server;

    private SpiffeTrustDomain(String spiffeId) {
        this.spiffeId = spiffeId;
        try {
            for (String kid : List.of("svid-key-1", "svid-key-2")) {
                keys.add(new ECKeyGenerator(Curve.P_256).keyID(kid).generate());
            }
        } catch (JOSEException e) {
            throw new IllegalStateException("EC key generation failed", e);
        }
        server = Jetty.server("spiffe-bundle", 20);
        server.setHandler(new BundleHandler(bundle()));
    }

    /** Starts the bundle endpoint for SVIDs with subject {@code spiffeId}. */
    public static SpiffeTrustDomain start(String spiffeId) {
        SpiffeTrustDomain domain = new SpiffeTrustDomain(spiffeId);
        try {
            domain.server.start();
        } catch (Exception e) {
            Jetty.stop(domain.server);
            throw new IllegalStateException("starting the SPIFFE bundle endpoint", e);
        }
        return domain;
    }

    public URI bundleEndpoint() {
        return URI.create("http://127.0.0.1:" + Jetty.port(server) + PATH);
    }

    /** How often the bundle was fetched (Keycloak fetches it on the first SVID and on an unknown key). */
    public int bundleFetches() {
        return bundleFetches.get();
    }

    /**
     * Writes a new JWT-SVID for {@code audience} (Keycloak's realm issuer), valid for {@code lifetime}
     * from now, into {@code file}: written beside it, then renamed over it. Returns its {@code jti}.
     */
    public String writeSvid(Path file, URI audience, Duration lifetime) {
        int serial = written.incrementAndGet();
        ECKey key = keys.get(serial % keys.size());
        Instant now = Instant.now();
        String jti = "svid-" + serial + "-" + UUID.randomUUID();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(spiffeId).audience(audience.toString())
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(lifetime))).jwtID(jti).build();
        SignedJWT svid = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID())
                .type(JOSEObjectType.JWT).build(), claims);
        try {
            svid.sign(new ECDSASigner(key));
            Path next = file.resolveSibling(file.getFileName() + ".next");
            Files.writeString(next, svid.serialize() + "\n");
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (JOSEException e) {
            throw new IllegalStateException("signing an SVID failed", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return jti;
    }

    /** SVIDs written so far. */
    public int written() {
        return written.get();
    }

    @Override
    public void close() {
        Jetty.stop(server);
    }

    private String bundle() {
        Map<String, Object> bundle = new LinkedHashMap<>();
        List<Map<String, Object>> jwks = new ArrayList<>();
        for (ECKey key : keys) {
            Map<String, Object> jwk = new LinkedHashMap<>(key.toPublicJWK().toJSONObject());
            // SPIFFE Trust Domain and Bundle §4.2.1: JWT authorities are marked jwt-svid, no "alg".
            jwk.put("use", "jwt-svid");
            jwks.add(jwk);
        }
        bundle.put("keys", jwks);
        bundle.put("spiffe_sequence", 1);
        bundle.put("spiffe_refresh_hint", 300);
        return com.nimbusds.jose.util.JSONObjectUtils.toJSONString(bundle);
    }

    private final class BundleHandler extends Handler.Abstract {
        private final byte[] body;

        BundleHandler(String bundle) {
            this.body = bundle.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            if (!PATH.equals(Request.getPathInContext(request))) {
                response.setStatus(404);
                callback.succeeded();
                return true;
            }
            bundleFetches.incrementAndGet();
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, ByteBuffer.wrap(body), callback);
            return true;
        }
    }
}
