package dev.authloopback.loopback.request;

import dev.authloopback.loopback.dpop.DpopProof;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One caller's token request as the loopback received it. Holds credentials: never log it, never
 * store it.
 *
 * @param contentType   the caller's Content-Type, or {@code null}
 * @param accept        the caller's Accept, or {@code null}
 * @param authorization the caller's Authorization (client credentials), or {@code null}
 * @param keyHeaders    values of the configured {@code key-headers}, by configured name
 * @param subject       exchange profiles: the caller's validated subject token, sent upstream but keyed
 *                      only by its keyed digest; {@code null} otherwise
 * @param dpop          the checked DPoP proof of a DPoP profile's call, else {@code null}
 */
public record TokenRequest(String method, String contentType, String accept, String authorization,
                           Map<String, String> keyHeaders, byte[] body, SubjectToken subject, DpopProof dpop) {

    public TokenRequest {
        keyHeaders = Map.copyOf(keyHeaders);
    }

    /** A request without a subject token or DPoP proof (every plain profile). */
    public TokenRequest(String method, String contentType, String accept, String authorization,
                        Map<String, String> keyHeaders, byte[] body) {
        this(method, contentType, accept, authorization, keyHeaders, body, null, null);
    }

    public TokenRequest(String method, String contentType, String accept, String authorization,
                        Map<String, String> keyHeaders, byte[] body, SubjectToken subject) {
        this(method, contentType, accept, authorization, keyHeaders, body, subject, null);
    }

    /** The same request carrying a checked proof. */
    public TokenRequest withDpop(DpopProof proof) {
        return new TokenRequest(method, contentType, accept, authorization, keyHeaders, body, subject, proof);
    }

    /** The same request carrying a validated subject token. */
    public TokenRequest withSubject(SubjectToken token) {
        return new TokenRequest(method, contentType, accept, authorization, keyHeaders, body, token, dpop);
    }

    public boolean isForm() {
        return isForm(contentType);
    }

    public boolean isJson() {
        return isJson(contentType);
    }

    /** The media type without parameters, lower case; empty when absent. */
    public String mediaType() {
        return mediaType(contentType);
    }

    public static boolean isForm(String contentType) {
        return mediaType(contentType).equals("application/x-www-form-urlencoded");
    }

    public static boolean isJson(String contentType) {
        String type = mediaType(contentType);
        return type.equals("application/json") || type.endsWith("+json");
    }

    private static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semicolon = contentType.indexOf(';');
        String type = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
        return type.trim().toLowerCase(Locale.ROOT);
    }

    /** Header value by name as the key template asks for it, case-insensitively. */
    public String header(String name) {
        if ("Authorization".equalsIgnoreCase(name)) {
            return authorization;
        }
        if ("Content-Type".equalsIgnoreCase(name)) {
            return contentType;
        }
        if ("Accept".equalsIgnoreCase(name)) {
            return accept;
        }
        for (Map.Entry<String, String> e : keyHeaders.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    /** Never prints credentials or the body. */
    @Override
    public String toString() {
        return "TokenRequest[" + method + " " + mediaType() + ", " + body.length + " bytes, headers="
                + List.copyOf(keyHeaders.keySet()) + (dpop == null ? "" : ", " + dpop) + "]";
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
