package dev.authloopback.testsupport.keycloak;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The realm every Keycloak interop test imports: {@code keycloak/loopback-realm.json} on this
 * module's classpath, one copy for it-tests and deployment-tests. One confidential client per
 * way the loopback can authenticate itself, each with the optional client scopes
 * {@value #SCOPES}, events on ({@code CLIENT_LOGIN}, {@code CLIENT_LOGIN_ERROR}) so a test counts
 * Keycloak's own token calls, and a SPIFFE identity provider for workload identity.
 *
 * <p>The template's {@code {{NAME}}} placeholders are what only exists at test time (keys,
 * certificates, the SPIFFE bundle endpoint's port) and the secrets, which live here so tests and
 * realm cannot disagree. A test sets what its clients need; the rest gets inert values that make
 * only the client that uses them fail ("Unable to load public key", no bundle), never the import.
 * Immutable: every {@code with…} returns a new realm.
 */
public final class LoopbackRealm {
    public static final String NAME = "loopback";
    public static final String TEMPLATE_RESOURCE = "/keycloak/loopback-realm.json";
    /** Optional client scopes of every client; a token request may name any subset of them. */
    public static final String SCOPES = "orders.read orders.write orders.audit";

    /** {@code client_secret_basic} and {@code client_secret_post}: authenticator {@code client-secret}. */
    public static final String BASIC_CLIENT = "loopback-basic";
    public static final String BASIC_SECRET = "basic-s3cret-5b1e9c0d7a";
    public static final String POST_CLIENT = "loopback-post";
    public static final String POST_SECRET = "post-s3cret-8d2f4a6c1e";
    /** {@code private_key_jwt}, public key registered as a certificate ({@code jwt.credential.certificate}). */
    public static final String JWT_CERT_CLIENT = "loopback-jwt-cert";
    /** {@code private_key_jwt}, public key registered as a JWKS ({@code use.jwks.string}, {@code jwks.string}). */
    public static final String JWT_JWKS_CLIENT = "loopback-jwt-jwks";
    /** {@code client_secret_jwt}: authenticator {@code client-secret-jwt}; HS256 wants a secret of 32+ bytes. */
    public static final String SECRET_JWT_CLIENT = "loopback-secret-jwt";
    public static final String SECRET_JWT_SECRET = "secret-jwt-7f3e1c9a5b0d2e4f6a8c1b3d5e7f9a0c";
    /** {@code tls_client_auth}: authenticator {@code client-x509}, the certificate's subject DN must match exactly. */
    public static final String MTLS_CLIENT = "loopback-mtls";
    /** Workload identity: authenticator {@code federated-jwt}, JWT-SVIDs checked by identity provider {@value #SPIFFE_IDP_ALIAS}. */
    public static final String SPIFFE_CLIENT = "loopback-spiffe";
    public static final String SPIFFE_IDP_ALIAS = "spiffe";
    public static final String SPIFFE_TRUST_DOMAIN = "spiffe://loopback.test";
    public static final String SPIFFE_ID = SPIFFE_TRUST_DOMAIN + "/orders-service";
    /** Reads the realm's events: service account with realm-management {@code view-events}. */
    public static final String EVENTS_CLIENT = "loopback-events";
    public static final String EVENTS_SECRET = "events-s3cret-3c9a7e1f22";
    /** Issue 25: a confidential client whose access tokens must be DPoP-bound ({@code dpop.bound.access.tokens}). */
    public static final String DPOP_CLIENT = "loopback-dpop";
    public static final String DPOP_SECRET = "dpop-s3cret-6e2b8d4f0a";

    /** On-behalf-of (issue 22): the public client users log in with (password grant); its tokens name {@value #OBO_BUSINESS_CLIENT} as audience. */
    public static final String OBO_LOGIN_CLIENT = "obo-login";
    /** On-behalf-of: the business app's client, allowed standard token exchange. */
    public static final String OBO_BUSINESS_CLIENT = "obo-business";
    public static final String OBO_BUSINESS_SECRET = "obo-business-s3cret-6e2a9d";
    /** Users {@code alice} and {@code bob} share this password. */
    public static final String OBO_PASSWORD = "obo-user-pw-41c8";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Z0-9_]+)}}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, String> values;

    private LoopbackRealm(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    /** The realm with its secrets and inert values for every key, certificate and endpoint. */
    public static LoopbackRealm create() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("SECRET_BASIC", BASIC_SECRET);
        values.put("SECRET_POST", POST_SECRET);
        values.put("SECRET_JWT", SECRET_JWT_SECRET);
        values.put("SECRET_EVENTS", EVENTS_SECRET);
        values.put("SECRET_DPOP", DPOP_SECRET);
        values.put("SPIFFE_ID", SPIFFE_ID);
        values.put("JWT_CERTIFICATE", "");
        values.put("JWT_JWKS", "{\"keys\":[]}");
        values.put("MTLS_SUBJECT_DN", "CN=unused-" + MTLS_CLIENT);
        // Port 9 (discard): nothing answers; the identity provider is only asked when an SVID arrives.
        values.put("SPIFFE_BUNDLE_URL", "http://127.0.0.1:9/unused-spiffe-bundle");
        values.put("SECRET_OBO", OBO_BUSINESS_SECRET);
        values.put("OBO_PASSWORD", OBO_PASSWORD);
        values.put("OBO_BACKCHANNEL_LOGOUT_URL", "http://127.0.0.1:9/unused-backchannel-logout");
        return new LoopbackRealm(values);
    }

    /** Where Keycloak sends {@value #OBO_LOGIN_CLIENT}'s back-channel logout tokens (the users' sessions are that client's). */
    public LoopbackRealm withOboBackChannelLogoutUrl(URI url) {
        return with("OBO_BACKCHANNEL_LOGOUT_URL", url.toString());
    }

    /** {@value #JWT_CERT_CLIENT}'s public key, as Keycloak's admin console stores an imported certificate (base64 DER). */
    public LoopbackRealm withJwtCertificate(X509Certificate certificate) {
        try {
            return with("JWT_CERTIFICATE", Base64.getEncoder().encodeToString(certificate.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded", e);
        }
    }

    /**
     * {@value #JWT_JWKS_CLIENT}'s public keys as a JWKS JSON document. Keycloak takes only keys with
     * {@code "use":"sig"}; a key without {@code use} is silently not there ("Unable to load public key").
     */
    public LoopbackRealm withJwks(String jwksJson) {
        return with("JWT_JWKS", jwksJson);
    }

    /**
     * {@value #JWT_JWKS_CLIENT}'s public key as a one-key JWKS with {@code kid} (null: none) and
     * {@code "use":"sig"}: an EC P-256 or an RSA key.
     */
    public LoopbackRealm withJwks(PublicKey key, String kid) {
        Map<String, String> jwk = new LinkedHashMap<>();
        if (key instanceof ECPublicKey ec) {
            if (ec.getParams().getCurve().getField().getFieldSize() != 256) {
                throw new IllegalArgumentException("an EC key must be on P-256");
            }
            jwk.put("kty", "EC");
            jwk.put("crv", "P-256");
            jwk.put("x", base64Url(ec.getW().getAffineX(), 32));
            jwk.put("y", base64Url(ec.getW().getAffineY(), 32));
        } else if (key instanceof RSAPublicKey rsa) {
            jwk.put("kty", "RSA");
            jwk.put("n", base64Url(rsa.getModulus(), 0));
            jwk.put("e", base64Url(rsa.getPublicExponent(), 0));
        } else {
            throw new IllegalArgumentException("an EC P-256 or RSA key, not " + key.getAlgorithm());
        }
        if (kid != null) {
            jwk.put("kid", kid);
        }
        jwk.put("use", "sig");
        try {
            return withJwks(JSON.writeValueAsString(Map.of("keys", List.of(jwk))));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The subject DN {@value #MTLS_CLIENT}'s certificate must carry, e.g. {@code CN=loopback-client}. */
    public LoopbackRealm withMtlsSubjectDn(String subjectDn) {
        return with("MTLS_SUBJECT_DN", subjectDn);
    }

    /** Where identity provider {@value #SPIFFE_IDP_ALIAS} fetches the trust domain's bundle (a JWKS); http is fine on 127.0.0.1. */
    public LoopbackRealm withSpiffeBundleEndpoint(URI bundle) {
        return with("SPIFFE_BUNDLE_URL", bundle.toString());
    }

    /** The realm JSON with every placeholder filled (as JSON string content); fails naming any left over. */
    public String json() {
        String template = template();
        Matcher placeholder = PLACEHOLDER.matcher(template);
        StringBuilder filled = new StringBuilder();
        Set<String> unknown = new TreeSet<>();
        while (placeholder.find()) {
            String value = values.get(placeholder.group(1));
            if (value == null) {
                unknown.add(placeholder.group(1));
                value = "";
            }
            placeholder.appendReplacement(filled, Matcher.quoteReplacement(jsonStringContent(value)));
        }
        placeholder.appendTail(filled);
        if (!unknown.isEmpty()) {
            throw new IllegalStateException(TEMPLATE_RESOURCE + " has placeholders " + unknown + " that "
                    + LoopbackRealm.class.getSimpleName() + " does not fill");
        }
        try {
            JSON.readTree(filled.toString());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(TEMPLATE_RESOURCE + " is not JSON once filled: " + e.getOriginalMessage(), e);
        }
        return filled.toString();
    }

    private LoopbackRealm with(String placeholder, String value) {
        Map<String, String> next = new LinkedHashMap<>(values);
        next.put(placeholder, Objects.requireNonNull(value, placeholder));
        return new LoopbackRealm(next);
    }

    /** Unsigned big-endian, left-padded to {@code length} bytes (0: as short as the number). */
    private static String base64Url(BigInteger number, int length) {
        byte[] bytes = number.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        if (bytes.length < length) {
            byte[] padded = new byte[length];
            System.arraycopy(bytes, 0, padded, length - bytes.length, bytes.length);
            bytes = padded;
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String jsonStringContent(String value) {
        try {
            String quoted = JSON.writeValueAsString(value);
            return quoted.substring(1, quoted.length() - 1);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String template() {
        try (InputStream in = LoopbackRealm.class.getResourceAsStream(TEMPLATE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(TEMPLATE_RESOURCE + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "LoopbackRealm[" + NAME + ", filled: " + new TreeSet<>(values.keySet()) + "]";
    }
}
