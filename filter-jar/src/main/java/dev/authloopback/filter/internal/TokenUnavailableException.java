package dev.authloopback.filter.internal;

/**
 * The one domain failure of token fetching: what happened, never a token, secret or body.
 * {@link Problems} is the one place that maps it to an HTTP answer.
 */
public final class TokenUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong while asking the token endpoint. */
    public enum Kind {
        /** Connection refused or reset, DNS failure, TLS failure, filter shut down. */
        UNREACHABLE,
        /** No complete answer within connect + read timeout. */
        TIMEOUT,
        /** The endpoint answered, with a non-2xx status ({@link #status()}). */
        ERROR_STATUS,
        /** 2xx, but not JSON, or no non-empty string at the token path, or too large. */
        MALFORMED
    }

    private final Kind kind;
    private final int status;

    private TokenUnavailableException(Kind kind, int status, String detail, Throwable cause) {
        super(detail, cause, false, cause != null);
        this.kind = kind;
        this.status = status;
    }

    public static TokenUnavailableException unreachable(String detail, Throwable cause) {
        return new TokenUnavailableException(Kind.UNREACHABLE, 0, detail, cause);
    }

    public static TokenUnavailableException timeout(String detail) {
        return new TokenUnavailableException(Kind.TIMEOUT, 0, detail, null);
    }

    public static TokenUnavailableException errorStatus(int status) {
        return new TokenUnavailableException(Kind.ERROR_STATUS, status,
                "The token endpoint answered HTTP " + status, null);
    }

    public static TokenUnavailableException malformed(String detail) {
        return new TokenUnavailableException(Kind.MALFORMED, 0, detail, null);
    }

    public Kind kind() {
        return kind;
    }

    /** The endpoint's status for {@link Kind#ERROR_STATUS}, else 0. */
    public int status() {
        return status;
    }

    /** A sentence for a problem body or a log line; safe to show. */
    public String detail() {
        return getMessage();
    }
}
