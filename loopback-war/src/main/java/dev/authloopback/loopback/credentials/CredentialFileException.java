package dev.authloopback.loopback.credentials;

/**
 * A secret, key or key store file that cannot be used. Says whether the password was wrong, so the
 * configuration error names the password setting rather than the file. The message never holds
 * secret material.
 */
public final class CredentialFileException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final boolean wrongPassword;

    CredentialFileException(String message, boolean wrongPassword) {
        super(message);
        this.wrongPassword = wrongPassword;
    }

    public boolean wrongPassword() {
        return wrongPassword;
    }
}
