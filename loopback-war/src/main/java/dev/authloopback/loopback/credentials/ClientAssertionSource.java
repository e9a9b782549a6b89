package dev.authloopback.loopback.credentials;

import java.util.List;

/**
 * Where the {@code client_assertion} of an assertion-based mode comes from (RFC 7521 §4.2): signed
 * here per upstream call ({@link ClientAssertions}), or written by the platform ({@link ClientAssertionFile}).
 */
interface ClientAssertionSource {

    /** The {@code client_assertion_type} sent with it. */
    String type();

    /**
     * The assertion for one upstream call, compact (base64url and dots only: safe in a form body as is).
     *
     * @throws CredentialFileException  when the credential cannot be used
     * @throws ExpiredClientAssertion when the only assertion there is has expired
     */
    String next();

    /** The files it reads, each checked now; for the health view. */
    List<CredentialFileStatus> fileStatus();
}
