package dev.authloopback.filter;

import java.io.IOException;

/**
 * Thrown by {@link BearerTokenClientFilter} under {@code on-failure=reject} when no usable token can be
 * had (loopback unreachable, too slow, an error status, or a malformed token answer): the call is not
 * sent. The JAX-RS client wraps it in a {@code ProcessingException}. Its message says what happened,
 * where the filter asked and which param to change; it never holds a token, secret or body, so it is
 * safe to show.
 */
public final class NoBearerTokenException extends IOException {

    private static final long serialVersionUID = 1L;

    NoBearerTokenException(String detail) {
        super("No bearer token for the outbound call: " + detail);
    }
}
