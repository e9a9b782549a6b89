package dev.authloopback.filter.internal;

import dev.authloopback.filter.BearerTokenFilter;
import java.util.function.UnaryOperator;

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

    /**
     * The same failure, its detail extended with where the filter asked and what to change, e.g.
     * {@code ... (connection failed); POST http://127.0.0.1:8082/loopback; check init-param token-url:
     * is the loopback listening there?}. Built where the failure is turned into an answer or a log
     * line, so the HTTP client itself stays free of presentation.
     *
     * @param request    method and URL as they may be shown (user info and query already masked)
     * @param paramLabel how a param is named to the operator, e.g. {@code token-url -> init-param token-url}
     */
    public TokenUnavailableException withContext(String request, UnaryOperator<String> paramLabel) {
        return new TokenUnavailableException(kind, status,
                getMessage() + "; " + request + "; " + advice(paramLabel), getCause());
    }

    /** Which setting most likely needs to change for this failure. */
    private String advice(UnaryOperator<String> label) {
        String url = label.apply(BearerTokenFilter.TOKEN_URL_PARAM);
        return switch (kind) {
            case UNREACHABLE -> "check " + url + ": is the loopback listening there?";
            case TIMEOUT -> "check " + url + ", or raise " + label.apply(BearerTokenFilter.CONNECT_TIMEOUT_PARAM)
                    + " / " + label.apply(BearerTokenFilter.READ_TIMEOUT_PARAM);
            case MALFORMED -> "check " + url + " (does it name a token endpoint?) and "
                    + label.apply(BearerTokenFilter.TOKEN_PATH_PARAM);
            case ERROR_STATUS -> switch (status) {
                case 400, 401, 403 -> "check " + label.apply(BearerTokenFilter.TOKEN_BODY_PARAM) + " and "
                        + label.apply(BearerTokenFilter.TOKEN_HEADERS_PARAM) + " (client credentials, grant, scope)";
                case 404, 405 -> "check " + url + " (path, or /loopback/{profile} for a named profile)";
                default -> "the token endpoint failed; see its log (" + url + " names it)";
            };
        };
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
