package dev.authloopback.loopback.dpop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.Base64;

/**
 * Whether a token answer may be stored as bound to a proof's key: {@code token_type} DPoP
 * (RFC 9449 §5), and, when the access token is a JWT whose payload can be read, {@code cnf.jkt}
 * equal to the key's thumbprint (§6.1). An IdP that answered {@code Bearer} (a client not set up for
 * DPoP, or a downgrade) gets its answer passed back, never stored under a key's entry.
 */
public final class DpopBinding {
    private final ObjectMapper json;

    public DpopBinding(ObjectMapper json) {
        this.json = json;
    }

    /** @return {@code null} when the answer is bound to {@code jkt}; else why not, without the token */
    public String problem(byte[] body, String jkt) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException e) {
            return "answer is not JSON";
        }
        JsonNode type = root == null ? null : root.get("token_type");
        if (type == null || !type.isTextual() || !"dpop".equalsIgnoreCase(type.textValue())) {
            return "token_type is not DPoP";
        }
        JsonNode token = root.get("access_token");
        String[] parts = token != null && token.isTextual() ? token.textValue().split("\\.", -1) : new String[0];
        if (parts.length != 3) {
            return null; // opaque: the IdP's token_type is all there is to check
        }
        JsonNode claims;
        try {
            claims = json.readTree(Base64.getUrlDecoder().decode(parts[1]));
        } catch (IOException | IllegalArgumentException e) {
            return null; // not a readable JWT: opaque to us
        }
        if (claims == null || !claims.isObject()) {
            return null;
        }
        // A readable JWT says what it is bound to; one bound to nothing is a Bearer token in disguise.
        JsonNode bound = claims.path("cnf").get("jkt");
        return bound != null && bound.isTextual() && bound.textValue().equals(jkt) ? null : "cnf.jkt is not the proof's key";
    }
}
