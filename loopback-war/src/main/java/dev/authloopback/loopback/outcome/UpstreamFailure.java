package dev.authloopback.loopback.outcome;

/**
 * The token endpoint could not be asked or gave no usable HTTP answer. One exception for all such
 * cases, thrown by the upstream client and the single flights; {@code web.TokenServlet.problemFor}
 * maps it to 502/504 in one place. Messages never hold secrets.
 */
public final class UpstreamFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, and the status the caller gets for it. */
    public enum Kind {
        CONNECT_FAILED(502, "upstream-unreachable", "Token endpoint unreachable"),
        TLS_FAILED(502, "upstream-tls-failed", "TLS handshake with the token endpoint failed"),
        TIMEOUT(504, "upstream-timeout", "Token endpoint timed out"),
        BROKEN_ANSWER(502, "upstream-broken-answer", "Token endpoint answer was cut off or unreadable"),
        ANSWER_TOO_LARGE(502, "upstream-answer-too-large", "Token endpoint answer too large"),
        /** Owning mode: the loopback's own client credential (secret, key) could not be used. */
        CREDENTIAL_FAILED(502, "client-credential-unusable", "The loopback's client credential could not be used"),
        /**
         * Owning mode with {@code client-assertion-file}: the platform-issued assertion has expired and no
         * fresh one was written, so none was sent. 503: the loopback cannot serve until the platform writes one.
         */
        CLIENT_ASSERTION_EXPIRED(503, "client-assertion-expired",
                "The assertion in client-assertion-file has expired"),
        /**
         * A 2xx whose access_token could not go into a header as it is (not RFC 6750 b64token, or over
         * max-token-length): never stored or served, since callers would inject it downstream.
         */
        TOKEN_MALFORMED(502, "token-malformed", "Token endpoint answered a malformed access token"),
        /** A 2xx whose token_type is not Bearer (DPoP, mac, ...): sent as Bearer it would be misused. */
        TOKEN_TYPE_UNSUPPORTED(502, "token-type-unsupported", "Token type not supported"),
        /** Exchange profiles: {@code exchange-rate-limit} upstream exchanges per second were made; none was tried. */
        EXCHANGE_RATE_LIMITED(429, "exchange-rate-limited", "Too many token exchanges");

        private final int status;
        private final String slug;
        private final String title;

        Kind(int status, String slug, String title) {
            this.status = status;
            this.slug = slug;
            this.title = title;
        }

        public int status() {
            return status;
        }

        public String slug() {
            return slug;
        }

        public String title() {
            return title;
        }
    }

    private final Kind kind;
    private final long latencyMillis;

    public UpstreamFailure(Kind kind, String detail, long latencyMillis) {
        super(detail, null, false, false);
        this.kind = kind;
        this.latencyMillis = latencyMillis;
    }

    public Kind kind() {
        return kind;
    }

    public long latencyMillis() {
        return latencyMillis;
    }
}
