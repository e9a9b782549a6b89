package dev.authloopback.loopback.web;

import com.fasterxml.jackson.core.JsonFactory;
import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.credentials.SelectingFields;
import dev.authloopback.loopback.exchange.ExchangeProfile;
import dev.authloopback.loopback.exchange.JwksKeys;
import dev.authloopback.loopback.exchange.SubjectDigest;

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
                settings.readTimeout(), clock);
        return new ExchangeProfile(settings.exchange(), selecting, digest, keys, json, clock);
    }

    static SubjectDigest randomDigest() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return new SubjectDigest(key);
    }
}
