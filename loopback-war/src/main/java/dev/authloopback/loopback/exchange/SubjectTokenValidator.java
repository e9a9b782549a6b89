package dev.authloopback.loopback.exchange;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.AsymmetricJWK;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.security.Key;
import java.text.ParseException;
import java.time.Clock;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * Checks a JWT locally before anything is asked of the IdP: signature by a key of the issuer's JWKS
 * (asymmetric algorithms only: an HMAC or {@code none} token could be made by anyone who knows the
 * audience), {@code iss}, {@code aud}, {@code exp} (and {@code nbf}). Used for subject tokens and
 * for back-channel logout tokens. Reasons are short fixed words: they reach logs and problem details,
 * so they never quote the token or its claims.
 */
public final class SubjectTokenValidator {
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256,
            JWSAlgorithm.ES384, JWSAlgorithm.ES512, JWSAlgorithm.EdDSA);
    /** Longer than any JWT a header may carry (max-token-length is 8 KiB by default); parsing stops here. */
    private static final int MAX_LENGTH = 16 * 1024;

    private final String issuer;
    private final KeySetSource keys;
    private final Clock clock;
    private final DefaultJWSVerifierFactory verifiers = new DefaultJWSVerifierFactory();

    public SubjectTokenValidator(String issuer, KeySetSource keys, Clock clock) {
        this.issuer = issuer;
        this.keys = keys;
        this.clock = clock;
    }

    /** A token that is not accepted; the message is one of a few fixed reasons. */
    public static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * @param audience the value {@code aud} must hold
     * @return the verified claims
     * @throws Refused when the token is not a JWT of the issuer for that audience, or has expired
     */
    public JWTClaimsSet verify(String token, String audience) {
        return verify(token, audience, -1);
    }

    /**
     * A back-channel logout token (OpenID Connect Back-Channel Logout 1.0 §2.4): {@code exp} is
     * optional there, so an {@code iat} within {@code maxAgeSeconds} stands in for it.
     */
    public JWTClaimsSet verifyLogout(String token, String audience, long maxAgeSeconds) {
        return verify(token, audience, maxAgeSeconds);
    }

    private JWTClaimsSet verify(String token, String audience, long maxAgeSeconds) {
        if (token.length() > MAX_LENGTH) {
            throw new Refused("too_long");
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            // Opaque tokens land here too: they cannot be checked without asking the IdP, which is what
            // an outsider's random string must never make the loopback do.
            throw new Refused("not_a_signed_jwt");
        }
        JWSHeader header = jwt.getHeader();
        if (!ALGORITHMS.contains(header.getAlgorithm())) {
            throw new Refused("algorithm_not_accepted");
        }
        // Claims first: cheaper than a signature, and a token of another issuer never costs a JWKS fetch.
        if (!issuer.equals(claims.getIssuer())) {
            throw new Refused("issuer");
        }
        List<String> aud = claims.getAudience();
        if (aud == null || !aud.contains(audience)) {
            throw new Refused("audience");
        }
        Date exp = claims.getExpirationTime();
        long now = clock.millis();
        if (maxAgeSeconds >= 0) {
            Date iat = claims.getIssueTime();
            if (iat == null || iat.getTime() < now - maxAgeSeconds * 1000 || iat.getTime() > now + 60_000) {
                throw new Refused("iat");
            }
        } else if (exp == null) {
            throw new Refused("no_exp");
        }
        if (exp != null && exp.getTime() <= now) {
            throw new Refused("expired");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && nbf.getTime() > now) {
            throw new Refused("not_yet_valid");
        }
        Signature signature = check(jwt, header, false);
        if (signature == Signature.NO_KEY) {
            signature = check(jwt, header, true);
        }
        if (signature != Signature.VERIFIED) {
            throw new Refused(signature == Signature.NO_KEY ? "unknown_key" : "signature");
        }
        return claims;
    }

    private enum Signature { VERIFIED, NO_KEY, BAD }

    /** @param refetch the key may be new (the IdP rotated): ask for the set again (rate-limited there) */
    private Signature check(SignedJWT jwt, JWSHeader header, boolean refetch) {
        String kid = header.getKeyID();
        boolean seen = false;
        for (JWK jwk : keys.keys(refetch).getKeys()) {
            if (kid != null && !kid.equals(jwk.getKeyID())) {
                continue;
            }
            if (jwk.getKeyUse() != null && jwk.getKeyUse() != KeyUse.SIGNATURE) {
                continue;
            }
            if (!(jwk instanceof AsymmetricJWK asymmetric)) {
                continue;
            }
            seen = true;
            try {
                Key key = asymmetric.toPublicKey();
                JWSVerifier verifier = verifiers.createJWSVerifier(header, key);
                if (jwt.verify(verifier)) {
                    return Signature.VERIFIED;
                }
            } catch (JOSEException | RuntimeException e) {
                // a key of another type or curve: try the next
            }
        }
        return seen ? Signature.BAD : Signature.NO_KEY;
    }
}
