package dev.authloopback.loopback.credentials;

/**
 * The assertion of {@code client-assertion-file} has expired and the platform has written no fresh one:
 * nothing is sent upstream, and the caller is told so (a 503, never stored). The message names the
 * setting, the file and the expiry time, never the assertion.
 */
public final class ExpiredClientAssertion extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ExpiredClientAssertion(String message) {
        super(message, null, false, false);
    }
}
