package dev.authloopback.loopback.credentials;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;

/**
 * Reads secret files and key stores, turning every failure into a {@link CredentialFileException}.
 * Every read is bounded ({@link #MAX_SECRET_BYTES}, {@link #MAX_KEY_BYTES}), so a file that grew by
 * mistake or malice cannot fill the heap, and every file is parsed as what it must be before its
 * content is used: a secret that is empty, binary or holds a control character (a NUL-padded,
 * truncated or garbled file) is refused instead of being sent upstream. Symbolic links are followed
 * (Kubernetes mounts a secret as {@code name -> ..data/name}, {@code ..data -> ..<timestamp>}).
 */
public final class CredentialFiles {
    /** A client secret is a few dozen bytes; 64 KiB leaves room for any real one. */
    public static final long MAX_SECRET_BYTES = 64 * 1024;
    /** A platform-issued JWT (service-account token, JWT-SVID) is one or two KiB; 64 KiB as for secrets. */
    public static final long MAX_ASSERTION_BYTES = 64 * 1024;
    /** A PEM key with its chain, a PKCS#12 or a trust store with many CAs fits in 1 MiB. */
    public static final long MAX_KEY_BYTES = 1024 * 1024;

    private CredentialFiles() {
    }

    /**
     * The secret in a file: UTF-8 text, trailing line breaks and surrounding spaces dropped, not
     * empty, without control characters (NUL included).
     */
    public static String readSecret(Path file) {
        return readLine(file, MAX_SECRET_BYTES, "secret");
    }

    /**
     * One line of UTF-8 text (a secret, a platform-issued JWT), at most {@code limit} bytes: trailing
     * line breaks and surrounding spaces dropped, not empty, without control characters (NUL included).
     *
     * @param what names the content in messages ("secret", "assertion"); the content itself never is
     */
    static String readLine(Path file, long limit, String what) {
        byte[] bytes = read(file, limit);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new CredentialFileException("is not UTF-8 text (a binary or partly written file?)", false);
        }
        int end = text.length();
        while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
            end--;
        }
        String line = text.substring(0, end);
        for (int i = 0; i < line.length(); i++) {
            if (Character.isISOControl(line.charAt(i))) {
                // Never says which character or where: the message must tell nothing about the content.
                throw new CredentialFileException("holds a control character (NUL, line break or the like) before"
                        + " its end: a partly written or garbled file? The " + what + " must be one line", false);
            }
        }
        line = line.strip();
        if (line.isEmpty()) {
            throw new CredentialFileException("the file is empty", false);
        }
        return line;
    }

    /** A PKCS#12 (or JKS) key store, its type detected from the file. */
    public static KeyStore loadKeyStore(Path file, String password) {
        return keyStore(read(file, MAX_KEY_BYTES), password);
    }

    /** A key store read already ({@link #read}), its type detected from its first bytes. */
    static KeyStore keyStore(byte[] bytes, String password) {
        try {
            KeyStore store = KeyStore.getInstance(type(bytes));
            store.load(new ByteArrayInputStream(bytes), password == null ? null : password.toCharArray());
            return store;
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new CredentialFileException("wrong password (the key store cannot be opened with it)", true);
            }
            throw new CredentialFileException("not a readable PKCS#12 or JKS key store ("
                    + e.getClass().getSimpleName() + ")", false);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new CredentialFileException("not a PKCS#12 or JKS key store (" + e.getClass().getSimpleName() + ")",
                    false);
        }
    }

    /** JKS and JCEKS start with their magic numbers; anything else is taken for PKCS#12 (DER). */
    private static String type(byte[] bytes) {
        if (bytes.length >= 4) {
            int magic = ((bytes[0] & 0xff) << 24) | ((bytes[1] & 0xff) << 16) | ((bytes[2] & 0xff) << 8)
                    | (bytes[3] & 0xff);
            if (magic == 0xFEEDFEED) {
                return "JKS";
            }
            if (magic == 0xCECECECE) {
                return "JCEKS";
            }
        }
        return "PKCS12";
    }

    /**
     * The whole file, refused when larger than {@code limit} bytes: the size is checked before the
     * file is opened, and the read stops one byte past the limit, so a file that grows meanwhile is
     * refused too, never read whole.
     */
    static byte[] read(Path file, long limit) {
        try {
            long size = Files.size(file);
            if (size > limit) {
                throw tooLarge(size, limit);
            }
            try (InputStream in = Files.newInputStream(file)) {
                byte[] bytes = in.readNBytes((int) limit + 1);
                if (bytes.length > limit) {
                    throw tooLarge(Files.size(file), limit);
                }
                return bytes;
            }
        } catch (NoSuchFileException e) {
            throw new CredentialFileException("no such file", false);
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    private static CredentialFileException tooLarge(long size, long limit) {
        return new CredentialFileException("is " + size + " bytes, more than the " + (limit / 1024)
                + " KiB such a file may hold", false);
    }

    static CredentialFileException unreadable(IOException e) {
        return new CredentialFileException("cannot be read (" + e.getClass().getSimpleName() + ")", false);
    }
}
