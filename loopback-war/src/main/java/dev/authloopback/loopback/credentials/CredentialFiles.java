package dev.authloopback.loopback.credentials;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;

/** Reads secret files and key stores, turning every failure into a {@link CredentialFileException}. */
public final class CredentialFiles {
    private CredentialFiles() {
    }

    /** The secret in a file, surrounding white space (a trailing newline) dropped. */
    public static String readSecret(Path file) {
        String secret;
        try {
            secret = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw unreadable(e);
        }
        if (secret.isEmpty()) {
            throw new CredentialFileException("the file is empty", false);
        }
        return secret;
    }

    /** A PKCS#12 (or JKS) key store, its type detected from the file. */
    public static KeyStore loadKeyStore(Path file, String password) {
        if (!Files.isRegularFile(file)) {
            throw new CredentialFileException("no such file", false);
        }
        try {
            return KeyStore.getInstance(file.toFile(), password == null ? null : password.toCharArray());
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

    static CredentialFileException unreadable(IOException e) {
        return new CredentialFileException("cannot be read (" + e.getClass().getSimpleName() + ")", false);
    }
}
