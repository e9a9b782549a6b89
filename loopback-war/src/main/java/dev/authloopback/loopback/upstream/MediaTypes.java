package dev.authloopback.loopback.upstream;

import java.util.regex.Pattern;

/**
 * Checks an upstream {@code Content-Type} before it is passed back: a value that is no media type
 * (RFC 9110 §8.3.1) would make the answer unwritable (the JAX-RS runtime parses it), so a token
 * answer with a garbage type would become an error although its body is fine.
 */
final class MediaTypes {
    /** type "/" subtype *( OWS ";" OWS parameter ), parameter values as token or quoted-string. */
    private static final Pattern MEDIA_TYPE = Pattern.compile(
            "[!#$%&'*+.^_`|~0-9A-Za-z-]+/[!#$%&'*+.^_`|~0-9A-Za-z-]+"
                    + "(\\s*;\\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+=([!#$%&'*+.^_`|~0-9A-Za-z-]+|\"([^\"\\\\\\p{Cntrl}]|\\\\.)*\"))*\\s*");
    private static final int MAX_LENGTH = 256;

    private MediaTypes() {
    }

    /**
     * @return {@code contentType} when it is a well-formed media type; otherwise {@code application/json}
     *         when the body looks like a JSON object (RFC 6749 §5.1: token answers are JSON), else
     *         {@code application/octet-stream}; {@code null} stays {@code null}
     */
    static String sanitise(String contentType, byte[] body) {
        if (contentType == null || contentType.length() <= MAX_LENGTH && MEDIA_TYPE.matcher(contentType).matches()) {
            return contentType;
        }
        for (byte b : body) {
            if (b == '{') {
                return "application/json";
            }
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                break;
            }
        }
        return "application/octet-stream";
    }
}
