package dev.authloopback.loopback.web;

import com.fasterxml.jackson.core.JsonFactory;
import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.credentials.SelectingFields;
import dev.authloopback.loopback.credentials.UpstreamTls;
import dev.authloopback.loopback.exchange.ExchangeProfile;
import dev.authloopback.loopback.exchange.JwksKeys;
import dev.authloopback.loopback.exchange.SubjectDigest;

import dev.authloopback.loopback.config.ClusterSettings;
import dev.authloopback.loopback.credentials.ClusterKeyFile;
import dev.authloopback.loopback.credentials.ClusterKeyRing;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;

/** Builds the exchange step of a profile whose settings ask for one. */
final class ExchangeProfiles {
    private ExchangeProfiles() {
    }

    /** @return {@code null} for a profile that exchanges nothing */
    static ExchangeProfile of(LoopbackSettings settings, SelectingFields selecting, SubjectDigest digest,
                              JsonFactory json, Clock clock) {
        if (settings.exchange() == null) {
            return null;
        }
        JwksKeys keys = new JwksKeys(settings.exchange().subjectJwksUrl(), settings.connectTimeout(),
                settings.readTimeout(), UpstreamTls.trustOnly(settings.clientAuth()), clock);
        return new ExchangeProfile(settings.exchange(), selecting, digest, keys, json, clock);
    }

    /**
     * The key of subject digests. With a sealed cluster: HMAC-SHA256 of a fixed label under the sealing
     * key read at start-up, so the nodes of a cluster key a subject token alike and share one entry,
     * one lease and one exchange per subject token (a key rotation takes effect per node at its next
     * start). Otherwise random per web app: digests mean nothing outside this JVM.
     */
    static SubjectDigest digest(ClusterSettings cluster) {
        if (cluster != null && cluster.keyFile() != null) {
            ClusterKeyRing ring = ClusterKeyFile.read(cluster.keyFile());
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(ring.key(ring.sealingId()), "HmacSHA256"));
                return new SubjectDigest(mac.doFinal("auth-loopback subject digest v1".getBytes(StandardCharsets.US_ASCII)));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 is always available", e);
            }
        }
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return new SubjectDigest(key);
    }
}
