package dev.authloopback.loopback.exchange;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * The keyed digest (HMAC-SHA256) that stands for a subject token in cache keys, the negative cache
 * and the subject index. Keyed, not a plain hash: a key, a log line's key id or a clustered entry's
 * name then tells nothing about the token to whoever does not hold the key, not even whether two
 * tokens they already have were cached.
 */
public final class SubjectDigest {
    private final Mac pristine;

    /** @param key at least 32 bytes; the same on every node that shares a clustered store */
    public SubjectDigest(byte[] key) {
        if (key == null || key.length < 32) {
            throw new IllegalArgumentException("key must hold at least 32 bytes");
        }
        try {
            pristine = Mac.getInstance("HmacSHA256");
            pristine.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is always available", e);
        }
    }

    public String of(String token) {
        Mac mac;
        try {
            mac = (Mac) pristine.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("HmacSHA256 from the JDK is cloneable", e);
        }
        return HexFormat.of().formatHex(mac.doFinal(token.getBytes(StandardCharsets.US_ASCII)));
    }
}
