package dev.authloopback.filter.internal;

import java.util.Locale;

/**
 * What a token must look like before the filter puts it into a header, checked again here so a hostile
 * or older loopback (or an OAuth2 server the filter asks directly) cannot inject one: RFC 6750 §2.1
 * {@code b64token}, {@code 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="}, no longer
 * than {@code max-token-length}, and a {@code token_type} of {@code Bearer} (any case) or none. A CR,
 * LF, NUL, space, comma or non-ASCII character in a header value could fold or add header lines.
 *
 * <p>The same rules as loopback.war's {@code cache.TokenSyntax} (the jar does not depend on the WAR).
 * Each check names the rule and the kind of character that broke it, never the token. Checked once
 * per distinct token answer, never on a near-cache hit.
 */
final class TokenSyntax {
    /** A {@code token_type} no longer than this, of letters, digits, {@code - . _}, may be named in a detail. */
    private static final int MAX_SHOWN_TYPE_LENGTH = 32;

    private TokenSyntax() {
    }

    /**
     * Why {@code token} must not become a header value, or {@code null} when it may.
     *
     * @param maxLength the longest token accepted, in characters (all accepted characters are ASCII)
     */
    static String problemWith(String token, long maxLength) {
        if (token.length() > maxLength) {
            return "the token is " + token.length() + " characters long, over max-token-length=" + maxLength
                    + " (a longer header is refused downstream)";
        }
        if (token.isBlank()) {
            return "the token is empty" + (token.isEmpty() ? "" : " after trimming white space")
                    + "; RFC 6750 b64token needs at least one character";
        }
        int bad = firstInvalid(token);
        if (bad < 0) {
            return null;
        }
        return "the token is not RFC 6750 b64token syntax (letters, digits, - . _ ~ + / then only = padding):"
                + " it holds " + describe(token, bad) + " at position " + (bad + 1) + " of " + token.length();
    }

    /** True for a non-empty RFC 6750 §2.1 {@code b64token}. */
    static boolean isB64token(String token) {
        return !token.isEmpty() && firstInvalid(token) < 0;
    }

    /**
     * Why a {@code token_type} value rules the token out, or {@code null} when it is {@code Bearer}
     * (any case, RFC 6749 §5.1) or absent. Other types (DPoP, mac, N_A) need proof of possession or
     * are no access token for a bearer header; sending them as Bearer fails at best.
     *
     * @param tokenType the value, or {@code null} when the answer has no {@code token_type}
     */
    static String tokenTypeProblem(String tokenType) {
        if (tokenType == null || "bearer".equals(tokenType.toLowerCase(Locale.ROOT))) {
            return null;
        }
        String named = tokenType.length() <= MAX_SHOWN_TYPE_LENGTH && tokenType.matches("[A-Za-z0-9._-]+")
                ? "'" + tokenType + "'" : "(not shown: long or not printable)";
        return "token_type " + named + " is not supported: only Bearer tokens (RFC 6750) are sent";
    }

    /** Index of the first character outside the syntax, or -1 when the whole token fits it. */
    private static int firstInvalid(String token) {
        int n = token.length();
        int i = 0;
        while (i < n && isB64char(token.charAt(i))) {
            i++;
        }
        if (i == 0) {
            return 0; // at least one character before any padding
        }
        while (i < n && token.charAt(i) == '=') {
            i++;
        }
        return i == n ? -1 : i;
    }

    private static boolean isB64char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    }

    /** The offending character's class (and code point when not printable), never its neighbours. */
    private static String describe(String token, int at) {
        char c = token.charAt(at);
        if (at > 0 && token.charAt(at - 1) == '=' && isB64char(c)) {
            return "more characters after '=' padding (padding only at the end)";
        }
        if (c == ' ') {
            return "a space";
        }
        if (c < 0x20 || c == 0x7f) {
            return String.format(Locale.ROOT, "a control character (U+%04X)", (int) c);
        }
        if (c > 0x7e) {
            return String.format(Locale.ROOT, "a non-ASCII character (U+%04X)", token.codePointAt(at));
        }
        if (c == '=') {
            return "'=' padding with nothing before it";
        }
        return "'" + c + "'";
    }
}
