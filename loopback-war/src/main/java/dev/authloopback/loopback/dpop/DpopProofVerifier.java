package dev.authloopback.loopback.dpop;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.net.URI;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Locale;

/**
 * Checks a DPoP proof the way RFC 9449 §4.3 asks a server to, for the token endpoint this profile
 * fronts: one well-formed JWS, {@code typ} {@code dpop+jwt}, an allowed asymmetric {@code alg}, a
 * public {@code jwk} in the header that verifies the signature, {@code htm} and {@code htu} of the
 * call (the {@code htu} is the upstream token URL, which the loopback stands in for), {@code iat}
 * within {@code dpop-proof-max-age} on the loopback's clock, and a {@code jti} used once.
 *
 * <p>Checked on HITs too: a HIT hands out a key-bound token, and only the holder of the key may
 * have it; the proof is how the caller shows it holds the key.
 */
public final class DpopProofVerifier {
    /** A proof is a few hundred bytes; RSA 4096 keys make it ~1.5 KiB. More is no proof. */
    static final int MAX_PROOF_CHARS = 8 * 1024;
    /** Clocks of the app and the loopback may differ a little, even on one host with NTP slewing. */
    static final Duration FUTURE_SKEW = Duration.ofSeconds(5);

    private final DpopSettings settings;
    private final String htu;
    private final Clock clock;
    private final DpopReplayGuard replay;

    /** @param htu the upstream token URL; proofs must name it without query and fragment */
    public DpopProofVerifier(DpopSettings settings, URI htu, Clock clock, DpopReplayGuard replay) {
        if (settings == null || htu == null || clock == null || replay == null) {
            throw new IllegalArgumentException("settings, htu, clock and replay must not be null");
        }
        this.settings = settings;
        this.htu = normalised(htu);
        this.clock = clock;
        this.replay = replay;
    }

    /** The {@code htu} callers sign for: the upstream URL without query and fragment (RFC 9449 §4.2). */
    public String htu() {
        return htu;
    }

    /**
     * @param headers every {@code DPoP} header value of the call (RFC 9449 §4.3: exactly one)
     * @param htm     the method the proof must name
     * @throws DpopProofRefused naming the rule that failed, never the proof
     */
    public DpopProof verify(List<String> headers, String htm) {
        if (headers == null || headers.isEmpty()) {
            throw refused(DpopProofRefused.Reason.MISSING, "this profile needs a DPoP proof in a DPoP header");
        }
        if (headers.size() > 1) {
            throw refused(DpopProofRefused.Reason.MULTIPLE, "more than one DPoP header");
        }
        String compact = headers.get(0).trim();
        if (compact.length() > MAX_PROOF_CHARS) {
            throw refused(DpopProofRefused.Reason.MALFORMED, "the DPoP proof is over " + MAX_PROOF_CHARS + " characters");
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(compact);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException | RuntimeException e) {
            throw refused(DpopProofRefused.Reason.MALFORMED, "the DPoP proof is not a signed JWT");
        }
        JWSHeader header = jwt.getHeader();
        if (!new JOSEObjectType("dpop+jwt").equals(header.getType())) {
            throw refused(DpopProofRefused.Reason.TYP, "typ must be dpop+jwt");
        }
        JWSAlgorithm alg = header.getAlgorithm();
        if (!settings.algorithms().contains(alg.getName())) {
            throw refused(DpopProofRefused.Reason.ALG, "alg must be one of " + settings.algorithms());
        }
        JWK jwk = header.getJWK();
        if (jwk == null || jwk.isPrivate()) {
            throw refused(DpopProofRefused.Reason.JWK, "the header must carry the public jwk, and no private part");
        }
        if (!verifies(jwt, alg, jwk)) {
            throw refused(DpopProofRefused.Reason.SIGNATURE, "the signature does not verify with the header's jwk");
        }
        Object htmClaim = claims.getClaim("htm");
        if (!(htmClaim instanceof String method) || !method.equals(htm)) {
            throw refused(DpopProofRefused.Reason.HTM, "htm must be " + htm);
        }
        Object htuClaim = claims.getClaim("htu");
        if (!(htuClaim instanceof String uri) || !htu.equals(normalisedOrNull(uri))) {
            throw refused(DpopProofRefused.Reason.HTU, "htu must be " + htu + " (the profile's upstream-url)");
        }
        long now = clock.millis();
        Date iat = claims.getIssueTime();
        if (iat == null) {
            throw refused(DpopProofRefused.Reason.IAT, "iat is missing");
        }
        long issued = iat.getTime();
        if (issued > now + FUTURE_SKEW.toMillis() || issued < now - settings.proofMaxAge().toMillis()) {
            throw refused(DpopProofRefused.Reason.IAT, "iat must be within dpop-proof-max-age="
                    + settings.proofMaxAge().toSeconds() + "s of the loopback's clock");
        }
        String jti = claims.getJWTID();
        if (jti == null || jti.isEmpty() || jti.length() > 256) {
            throw refused(DpopProofRefused.Reason.JTI, "jti is missing or longer than 256 characters");
        }
        String jkt;
        try {
            jkt = jwk.computeThumbprint().toString();
        } catch (JOSEException e) {
            throw refused(DpopProofRefused.Reason.JWK, "the jwk has no thumbprint");
        }
        replay.firstUse(jkt, jti, issued + settings.proofMaxAge().toMillis() + FUTURE_SKEW.toMillis(), now);
        return new DpopProof(jkt, compact);
    }

    private static boolean verifies(SignedJWT jwt, JWSAlgorithm alg, JWK jwk) {
        try {
            JWSVerifier verifier;
            if (JWSAlgorithm.Family.EC.contains(alg) && jwk instanceof ECKey ec) {
                verifier = new ECDSAVerifier(ec);
            } else if (JWSAlgorithm.Family.RSA.contains(alg) && jwk instanceof RSAKey rsa) {
                verifier = new RSASSAVerifier(rsa);
            } else {
                return false;
            }
            return jwt.verify(verifier);
        } catch (JOSEException | RuntimeException e) {
            return false;
        }
    }

    private static DpopProofRefused refused(DpopProofRefused.Reason reason, String message) {
        return new DpopProofRefused(reason, message);
    }

    private static String normalisedOrNull(String uri) {
        try {
            return normalised(URI.create(uri));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Scheme and host compared case-insensitively, the default port implied (RFC 3986 §6.2.3); no query, no fragment. */
    static String normalised(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        int port = uri.getPort();
        boolean defaultPort = port == -1 || ("https".equals(scheme) && port == 443) || ("http".equals(scheme) && port == 80);
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return scheme + "://" + host + (defaultPort ? "" : ":" + port) + path;
    }
}
