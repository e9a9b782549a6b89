package dev.authloopback.filter.internal;

/** Where tokens come from: the loopback, possibly behind a near cache. */
public interface TokenSource {

    /** @return a token, never null */
    Token token() throws TokenUnavailableException;

    /**
     * The token was refused downstream (401): forget it locally and ask the loopback to evict it
     * if it still holds exactly this token. Sends at most one eviction per token; never retries.
     */
    void evict(Token refused);
}
