package dev.authloopback.loopback.credentials;

import com.nimbusds.jose.Header;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;

import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Workload identity ({@code client-assertion-file}): a JWT the platform writes and renews (a Kubernetes
 * projected service-account token, a SPIFFE JWT-SVID), sent as it is as {@code client_assertion}
 * (RFC 7521 §4.2) with the configured {@code client_assertion_type}. The loopback holds no key: the
 * IdP trusts the platform's issuer.
 *
 * <p>Read again when the file changes ({@link ReloadingFile}, at most
 * {@link CredentialFiles#MAX_ASSERTION_BYTES}), and parsed before use: one line, a compact JWS (three
 * base64url parts, so it is safe in a form body as is), signed (not {@code alg: none}), with an
 * {@code exp} (RFC 7523 §3). A new file that fails these checks keeps the assertion in use, as does a
 * new file that has expired already while the one in use has not.
 *
 * <p>An assertion whose {@code exp} has passed (by the injected clock) is never sent: the IdP would
 * refuse it, and the caller is better told why ({@link ExpiredClientAssertion}, 503). An expired file at
 * start-up does not fail the deployment: the file is the right one in the right form, and the
 * platform's next write cures it without anyone redeploying; until then the start-up log warns,
 * health is DEGRADED and token calls get 503. The assertion is never logged nor put in a message.
 */
public final class ClientAssertionFile implements ClientAssertionSource {
    static final String SETTING = "client-assertion-file";
    private static final System.Logger LOG = System.getLogger(ClientAssertionFile.class.getName());
    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]+");

    private final Path path;
    private final String type;
    private final Clock clock;
    private final ReloadingFile<Assertion> file;

    ClientAssertionFile(Path path, String type, Clock clock) {
        this.path = path;
        this.type = type;
        this.clock = clock;
        this.file = new ReloadingFile<>(path, SETTING, this::read, clock);
        Instant expiresAt = file.current().expiresAt();
        if (expired(expiresAt)) {
            LOG.log(System.Logger.Level.WARNING, SETTING + "=" + path + ": the assertion expired at " + expiresAt
                    + "; token calls get 503 client-assertion-expired until the platform writes a fresh one");
        }
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public String next() {
        Assertion assertion = file.current();
        if (expired(assertion.expiresAt())) {
            throw new ExpiredClientAssertion(SETTING + "=" + path + ": the assertion expired at "
                    + assertion.expiresAt() + " and no fresh one has been written since");
        }
        return assertion.compact();
    }

    @Override
    public List<CredentialFileStatus> fileStatus() {
        CredentialFileStatus status = file.status();
        Instant expiresAt = file.current().expiresAt();
        if (!expired(expiresAt)) {
            return List.of(status);
        }
        String fileState = status.state() == CredentialFileStatus.State.IN_USE ? "" : "; the file: " + status.detail();
        return List.of(new CredentialFileStatus(SETTING, path, CredentialFileStatus.State.EXPIRED, expiresAt,
                "the assertion expired at " + expiresAt + fileState + "; token calls get 503 until the platform"
                        + " writes a fresh one"));
    }

    /**
     * Parses the file as it is parsed before each use: for start-up validation.
     *
     * @return the assertion's {@code exp}
     * @throws CredentialFileException when the file is missing, too large or not a usable signed JWT
     */
    public static Instant readExpiry(Path file) {
        return parse(file).expiresAt();
    }

    private boolean expired(Instant expiresAt) {
        return !clock.instant().isBefore(expiresAt);
    }

    /** Parses a new file; refuses one that expired already while the assertion in use has not. */
    private Assertion read(Path path, Assertion inUse) {
        Assertion read = parse(path);
        if (inUse != null && expired(read.expiresAt()) && !expired(inUse.expiresAt())) {
            throw new CredentialFileException("holds an assertion that expired at " + read.expiresAt()
                    + ", while the one in use is valid until " + inUse.expiresAt(), false);
        }
        return read;
    }

    /** @throws CredentialFileException naming what is wrong, never quoting the content */
    static Assertion parse(Path path) {
        String text = CredentialFiles.readLine(path, CredentialFiles.MAX_ASSERTION_BYTES, "assertion");
        String[] parts = text.split("\\.", -1);
        if (parts.length != 3) {
            throw new CredentialFileException("is not a compact JWS: " + parts.length + " dot-separated parts where"
                    + " a signed JWT has three" + (parts.length == 5 ? " (an encrypted JWT?)" : ""), false);
        }
        for (String part : parts) {
            if (!BASE64URL.matcher(part).matches()) {
                throw new CredentialFileException("is not a compact JWS: each of its three parts must be base64url,"
                        + " not empty", false);
            }
        }
        try {
            if (!(Header.parse(new Base64URL(parts[0])) instanceof JWSHeader)) {
                throw new CredentialFileException("is not a signed JWT (alg 'none', or an encryption header)", false);
            }
            Date exp = SignedJWT.parse(text).getJWTClaimsSet().getExpirationTime();
            if (exp == null) {
                throw new CredentialFileException("has no 'exp' claim; RFC 7523 §3 requires one", false);
            }
            return new Assertion(text, exp.toInstant());
        } catch (ParseException e) {
            // Nimbus's message is not passed on: it could quote a part of the token.
            throw new CredentialFileException("cannot be parsed as a signed JWT (its header or claims are not a JSON"
                    + " object as RFC 7519 asks)", false);
        }
    }

    /** The assertion as the platform wrote it; {@link #toString()} never shows it. */
    record Assertion(String compact, Instant expiresAt) {
        @Override
        public String toString() {
            return "Assertion[<masked>, exp " + expiresAt + "]";
        }
    }
}
