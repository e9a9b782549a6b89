package dev.authloopback.loopback.credentials;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * What became of a credential file at its last check, for the health view: in use, missing,
 * changed into something that cannot be used, or (a platform-issued assertion) expired. When missing
 * or refused, the last good value is still sent upstream; an expired assertion is not. Holds no secret material, only the setting, the path and why.
 *
 * @param since  when the file entered this state (by the injected clock)
 * @param detail one sentence on the state, e.g. the size of a file that is too large
 */
public record CredentialFileStatus(String setting, Path file, State state, Instant since, String detail) {
    public CredentialFileStatus {
        Objects.requireNonNull(setting, "setting");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(detail, "detail");
    }

    public enum State {
        /** The file's current content is the value in use. */
        IN_USE,
        /** The file is gone (deleted, or a broken link); the last good value stays in use. */
        MISSING,
        /** The file changed into something unusable (too large, garbled, not a key); the last good value stays. */
        REFUSED,
        /**
         * {@code client-assertion-file}: the assertion in use has expired and no fresh one was written; it is
         * not sent, so token calls that need the token endpoint fail (503) until the platform writes one.
         */
        EXPIRED
    }
}
