package dev.authloopback.loopback.exchange;

import com.nimbusds.jose.jwk.JWKSet;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An issuer's JWKS, fetched when first needed and kept for {@link #MAX_AGE}; a token naming a key the
 * set does not hold (the IdP rotated) fetches again, at most once per {@link #MIN_REFETCH}, so forged
 * {@code kid}s cannot turn into one JWKS call each. A failed fetch keeps the last good set. Time comes
 * from the injected clock; nothing here sleeps. The calls go out like the profile's token calls: with
 * its {@code trust-store} (an IdP with a private CA publishes its keys under the same certificate)
 * and the JVM's proxy settings.
 *
 * <p>One request thread fetches at a time. While it does, the others go on with the set they have:
 * a slow or hanging JWKS endpoint delays only the fetching request (up to the profile's timeouts)
 * and those that cannot do without the new set, the first requests and a token naming a key the
 * set does not hold.
 */
public final class JwksKeys implements KeySetSource {
    static final Duration MAX_AGE = Duration.ofMinutes(10);
    static final Duration MIN_REFETCH = Duration.ofSeconds(30);
    private static final int MAX_BYTES = 256 * 1024;

    private final URI url;
    private final Duration readTimeout;
    private final Clock clock;
    private final HttpClient http;
    private final ReentrantLock fetching = new ReentrantLock();
    private volatile Held held = new Held(new JWKSet(), Long.MIN_VALUE, Long.MIN_VALUE);

    /** @param tls the profile's trust ({@code UpstreamTls#trustOnly}), or {@code null} for the JVM's */
    public JwksKeys(URI url, Duration connectTimeout, Duration readTimeout, javax.net.ssl.SSLContext tls, Clock clock) {
        this.url = url;
        this.readTimeout = readTimeout;
        this.clock = clock;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).proxy(java.net.ProxySelector.getDefault());
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
    }

    @Override
    public JWKSet keys(boolean unknownKid) {
        Held now = held;
        if (!now.due(clock.millis(), unknownKid)) {
            return now.set();
        }
        boolean mustWait = unknownKid || now.set().isEmpty();
        if (mustWait) {
            fetching.lock();
        } else if (!fetching.tryLock()) {
            // Another request is fetching: this one goes on with the set it has.
            return now.set();
        }
        try {
            // Another thread may have fetched (or tried) while this one waited for the lock.
            Held current = held;
            long at = clock.millis();
            if (!current.due(at, unknownKid)) {
                return current.set();
            }
            JWKSet fetched = fetch();
            held = fetched != null ? new Held(fetched, at, at) : new Held(current.set(), current.fetchedAt(), at);
            return held.set();
        } finally {
            fetching.unlock();
        }
    }

    /** The set in use, when it was fetched and when a fetch was last tried (epoch millis). */
    private record Held(JWKSet set, long fetchedAt, long triedAt) {
        boolean due(long now, boolean unknownKid) {
            boolean stale = fetchedAt == Long.MIN_VALUE || now - fetchedAt >= MAX_AGE.toMillis();
            boolean mayRetry = triedAt == Long.MIN_VALUE || now - triedAt >= MIN_REFETCH.toMillis();
            return (stale || unknownKid) && mayRetry;
        }
    }

    private JWKSet fetch() {
        try {
            HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(url).timeout(readTimeout)
                    .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (answer.statusCode() != 200 || answer.body().length > MAX_BYTES) {
                System.getLogger(JwksKeys.class.getName()).log(System.Logger.Level.WARNING,
                        "subject-jwks-url " + url + " answered " + answer.statusCode() + " ("
                                + answer.body().length + " bytes); keeping the last key set");
                return null;
            }
            return JWKSet.parse(new String(answer.body(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException | ParseException e) {
            System.getLogger(JwksKeys.class.getName()).log(System.Logger.Level.WARNING,
                    "subject-jwks-url " + url + " unusable (" + e.getClass().getSimpleName() + "); keeping the last"
                            + " key set");
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
