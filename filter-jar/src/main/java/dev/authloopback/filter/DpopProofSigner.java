package dev.authloopback.filter;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.authloopback.filter.internal.DpopKey;
import dev.authloopback.filter.internal.DpopNonces;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Base64;
import java.util.Date;
import java.util.UUID;

/**
 * Signs DPoP proofs (RFC 9449 §4) with the app's key, for calls made with one DPoP-bound access
 * token. In a business app whose {@link BearerTokenFilter} runs with {@code dpop=true}, each request
 * carries one as the attribute {@value #ATTRIBUTE}; app code calling a resource server itself:
 *
 * <pre>{@code
 * DpopProofSigner dpop = (DpopProofSigner) request.getAttribute(DpopProofSigner.ATTRIBUTE);
 * HttpRequest call = HttpRequest.newBuilder(uri)
 *         .header("Authorization", dpop.authorization())
 *         .header("DPoP", dpop.proof("GET", uri))
 *         .build();
 * HttpResponse<String> answer = http.send(call, BodyHandlers.ofString());
 * answer.headers().firstValue("DPoP-Nonce").ifPresent(nonce -> dpop.rememberNonce(uri, nonce));
 * // a 401 with WWW-Authenticate: DPoP error="use_dpop_nonce": sign again and repeat once
 * }</pre>
 *
 * <p>Each proof names the method and the URL without query and fragment ({@code htm}, {@code htu}),
 * the time ({@code iat}), a fresh {@code jti}, the token's hash ({@code ath}) and the server's last
 * {@code DPoP-Nonce} when it sent one. Thread-safe; a proof is for one call only.
 */
public final class DpopProofSigner {
    /** The request attribute holding this request's signer (DPoP mode only). */
    public static final String ATTRIBUTE = "dev.authloopback.filter.DpopProofSigner";

    private final DpopKey key;
    private final DpopNonces nonces;
    private final Clock clock;
    private final String accessToken;
    private final String ath;

    /** @param accessToken the DPoP-bound token proofs are for, or {@code null} for token-endpoint proofs */
    DpopProofSigner(DpopKey key, DpopNonces nonces, Clock clock, String accessToken) {
        if (key == null || nonces == null || clock == null) {
            throw new IllegalArgumentException("key, nonces and clock must not be null");
        }
        this.key = key;
        this.nonces = nonces;
        this.clock = clock;
        this.accessToken = accessToken;
        this.ath = accessToken == null ? null : sha256(accessToken);
    }

    /** For the filter's internals; app code takes its signer from the request attribute. */
    public static DpopProofSigner of(DpopKey key, DpopNonces nonces, Clock clock, String accessToken) {
        return new DpopProofSigner(key, nonces, clock, accessToken);
    }

    /** The {@code Authorization} value for the bound token: {@code DPoP <token>} (RFC 9449 §7.1). */
    public String authorization() {
        if (accessToken == null) {
            throw new IllegalStateException("this signer is for token-endpoint proofs; it holds no access token");
        }
        return "DPoP " + accessToken;
    }

    /** The key's RFC 7638 thumbprint: the token's {@code cnf.jkt}. */
    public String thumbprint() {
        return key.thumbprint();
    }

    /** A proof for one call to {@code uri} with {@code method}, with the server's last nonce if any. */
    public String proof(String method, URI uri) {
        return proof(method, uri, nonces.forUri(uri));
    }

    /** A proof carrying exactly this {@code nonce} (or none when {@code null}). */
    public String proof(String method, URI uri, String nonce) {
        if (method == null || uri == null) {
            throw new IllegalArgumentException("method and uri must not be null");
        }
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .jwtID(UUID.randomUUID().toString())
                .claim("htm", method)
                .claim("htu", htu(uri))
                .issueTime(Date.from(clock.instant()));
        if (ath != null) {
            claims.claim("ath", ath);
        }
        if (nonce != null) {
            claims.claim("nonce", nonce);
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(key.algorithm()).type(new JOSEObjectType("dpop+jwt"))
                .jwk(key.publicJwk()).build(), claims.build());
        try {
            jwt.sign(key.signer());
        } catch (JOSEException e) {
            throw new IllegalStateException("signing the DPoP proof failed", e);
        }
        return jwt.serialize();
    }

    /** Keeps a server's {@code DPoP-Nonce} for the next proof to it (RFC 9449 §9). */
    public void rememberNonce(URI uri, String nonce) {
        nonces.remember(uri, nonce);
    }

    /** RFC 9449 §4.2: the URI without query and fragment. */
    public static String htu(URI uri) {
        try {
            return new URI(uri.getScheme(), uri.getRawAuthority() == null ? null : uri.getAuthority(), uri.getPath(),
                    null, null).toASCIIString();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URI for a proof: " + e.getMessage());
        }
    }

    private static String sha256(String token) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    @Override
    public String toString() {
        return "DpopProofSigner[jkt=" + key.thumbprint() + "]";
    }
}
