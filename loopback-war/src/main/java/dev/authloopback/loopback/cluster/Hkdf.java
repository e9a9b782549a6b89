package dev.authloopback.loopback.cluster;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/** HKDF with HMAC-SHA256 (RFC 5869): extract, then expand to the length asked for. */
final class Hkdf {
    private static final int HASH_BYTES = 32;

    private Hkdf() {
    }

    static byte[] derive(byte[] salt, byte[] inputKey, byte[] info, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            // RFC 5869 §2.2: no salt means a string of HashLen zeros.
            mac.init(new SecretKeySpec(salt == null || salt.length == 0 ? new byte[HASH_BYTES] : salt, "HmacSHA256"));
            byte[] prk = mac.doFinal(inputKey);
            mac.init(new SecretKeySpec(prk, "HmacSHA256"));
            byte[] out = new byte[length];
            byte[] block = new byte[0];
            int done = 0;
            for (int i = 1; done < length; i++) {
                mac.update(block);
                mac.update(info);
                mac.update((byte) i);
                block = mac.doFinal();
                int n = Math.min(block.length, length - done);
                System.arraycopy(block, 0, out, done, n);
                done += n;
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is always available", e);
        }
    }
}
