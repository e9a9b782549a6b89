package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.credentials.ClusterKeyRing;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sealed values, format version 2: AES-256-GCM under a key derived for each message, so no nonce is
 * ever reused however many values the cluster writes.
 *
 * <pre>
 * byte     version (2)
 * byte     length of the key id, then the key id (ASCII)
 * uint16   length of the entry's name, then the name (UTF-8)
 * 32 bytes random salt
 * rest     AES-256-GCM ciphertext and 16-byte tag
 * </pre>
 *
 * Keys: from each file key, a subkey per purpose (tokens, leases, marks, subjects, names) by HKDF-SHA256 with
 * the purpose as info; from a purpose subkey and the message's random salt, by HKDF again, the
 * message's AES key and nonce. The associated data binds the format version, key id, entity, cache
 * and entry name: a value moved to another entry, cache or entity does not open, nor does one whose
 * header was changed. Names are HMAC-SHA256 (names subkey of the sealing key) of the local cache
 * key, so the server never holds anything that can be tested offline against a guessed credential.
 * Nothing in a value is parsed beyond this header before its tag is verified.
 */
final class AeadSeal implements Seal {
    static final byte VERSION = 2;
    private static final int SALT_BYTES = 32;
    private static final int TAG_BITS = 128;
    private static final int NONCE_BYTES = 12;
    private static final String LABEL = "auth-loopback cluster v2 ";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ClusterKeyRing ring;
    private final byte[] entity;
    /** key id → purpose → subkey. */
    private final Map<String, Map<String, byte[]>> subkeys = new HashMap<>();
    /** Initialised with the names subkey; never used itself, only cloned (thread safe that way). */
    private final Mac pristineNames;
    /**
     * Names already worked out: every request asks for one, a heap-tier hit included, and a map
     * lookup costs a fraction of an HMAC. Bounded: emptied when it reaches {@link #NAMES_KEPT}.
     */
    private final ConcurrentHashMap<String, String> names = new ConcurrentHashMap<>();
    private static final int NAMES_KEPT = 16_384;

    AeadSeal(ClusterKeyRing ring, String entity) {
        this.ring = ring;
        this.entity = entity.getBytes(StandardCharsets.UTF_8);
        for (String id : ring.ids()) {
            Map<String, byte[]> purposes = new HashMap<>();
            byte[] key = ring.key(id);
            for (String purpose : new String[] {"tokens", "leases", "marks", "subjects", "names"}) {
                purposes.put(purpose, Hkdf.derive(null, key, (LABEL + "subkey " + purpose).getBytes(StandardCharsets.UTF_8),
                        32));
            }
            subkeys.put(id, purposes);
        }
        try {
            pristineNames = Mac.getInstance("HmacSHA256");
            pristineNames.init(new SecretKeySpec(subkeys.get(ring.sealingId()).get("names"), "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is always available", e);
        }
    }

    ClusterKeyRing ring() {
        return ring;
    }

    @Override
    public String name(String localKey) {
        String name = names.get(localKey);
        if (name == null) {
            if (names.size() >= NAMES_KEPT) {
                names.clear();
            }
            name = hmac(localKey);
            names.put(localKey, name);
        }
        return name;
    }

    private String hmac(String localKey) {
        Mac mac;
        try {
            mac = (Mac) pristineNames.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's HmacSHA256 can be cloned", e);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(
                mac.doFinal(localKey.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public byte[] seal(String cache, String name, byte[] plaintext) {
        String id = ring.sealingId();
        byte[] idBytes = id.getBytes(StandardCharsets.US_ASCII);
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 0xFFFF) {
            throw new IllegalArgumentException("entry name too long");
        }
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] ciphertext = crypt(Cipher.ENCRYPT_MODE, id, purpose(cache), salt, aad(idBytes, cache, nameBytes),
                plaintext);
        ByteBuffer out = ByteBuffer.allocate(1 + 1 + idBytes.length + 2 + nameBytes.length + SALT_BYTES
                + ciphertext.length);
        out.put(VERSION).put((byte) idBytes.length).put(idBytes).putShort((short) nameBytes.length).put(nameBytes)
                .put(salt).put(ciphertext);
        return out.array();
    }

    @Override
    public Opening open(String cache, byte[] stored) {
        ByteBuffer in = ByteBuffer.wrap(stored);
        if (in.remaining() < 2 || in.get() != VERSION) {
            return Opening.refused(Refusal.FORMAT);
        }
        int idLength = in.get() & 0xFF;
        if (idLength == 0 || in.remaining() < idLength + 2) {
            return Opening.refused(Refusal.TAMPERED);
        }
        byte[] idBytes = new byte[idLength];
        in.get(idBytes);
        int nameLength = in.getShort() & 0xFFFF;
        if (in.remaining() < nameLength + SALT_BYTES + TAG_BITS / 8) {
            return Opening.refused(Refusal.TAMPERED);
        }
        byte[] nameBytes = new byte[nameLength];
        in.get(nameBytes);
        byte[] salt = new byte[SALT_BYTES];
        in.get(salt);
        byte[] ciphertext = new byte[in.remaining()];
        in.get(ciphertext);
        String id = new String(idBytes, StandardCharsets.US_ASCII);
        if (!subkeys.containsKey(id)) {
            return Opening.refused(Refusal.UNKNOWN_KEY);
        }
        byte[] plaintext;
        try {
            plaintext = crypt(Cipher.DECRYPT_MODE, id, purpose(cache), salt, aad(idBytes, cache, nameBytes), ciphertext);
        } catch (IllegalStateException e) {
            return Opening.refused(Refusal.TAMPERED);
        }
        return new Opening(new String(nameBytes, StandardCharsets.UTF_8), plaintext, null);
    }

    @Override
    public String describe() {
        return "sealed (AES-256-GCM), " + ring.describe();
    }

    /** The purpose of a cache, from its name: tokens-v2-p, leases-v2-p, marks-v2-p, subjects-v2-p. */
    private static String purpose(String cache) {
        int dash = cache.indexOf('-');
        return dash < 0 ? cache : cache.substring(0, dash);
    }

    private byte[] aad(byte[] id, String cache, byte[] name) {
        ByteArrayOutputStream aad = new ByteArrayOutputStream(64 + name.length);
        field(aad, LABEL.getBytes(StandardCharsets.US_ASCII));
        aad.write(VERSION);
        field(aad, id);
        field(aad, entity);
        field(aad, cache.getBytes(StandardCharsets.UTF_8));
        field(aad, name);
        return aad.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, byte[] bytes) {
        out.write(bytes.length >>> 8);
        out.write(bytes.length);
        out.writeBytes(bytes);
    }

    /** @throws IllegalStateException when the tag does not verify (decrypt) */
    private byte[] crypt(int mode, String id, String purpose, byte[] salt, byte[] aad, byte[] input) {
        byte[] subkey = subkeys.get(id).get(purpose);
        if (subkey == null) {
            throw new IllegalStateException("no such purpose");
        }
        byte[] keyAndNonce = Hkdf.derive(salt, subkey, (LABEL + "message").getBytes(StandardCharsets.US_ASCII),
                32 + NONCE_BYTES);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, new SecretKeySpec(keyAndNonce, 0, 32, "AES"),
                    new GCMParameterSpec(TAG_BITS, keyAndNonce, 32, NONCE_BYTES));
            cipher.updateAAD(aad);
            return cipher.doFinal(input);
        } catch (AEADBadTagException e) {
            throw new IllegalStateException("tag mismatch");
        } catch (GeneralSecurityException e) {
            if (mode == Cipher.DECRYPT_MODE) {
                throw new IllegalStateException("does not open");
            }
            throw new IllegalStateException("AES-256-GCM is always available", e);
        }
    }
}
