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

/**
 * An issuer's JWKS, fetched when first needed and kept for {@link #MAX_AGE}; a token naming a key the
 * set does not hold (the IdP rotated) fetches again, at most once per {@link #MIN_REFETCH}, so forged
 * {@code kid}s cannot turn into one JWKS call each. A failed fetch keeps the last good set. Time comes
 * from the injected clock; nothing here sleeps. The calls go out like the profile's token calls: with
 * its {@code trust-store} (an IdP with a private CA publishes its keys under the same certificate)
 * and the JVM's proxy settings.
 */
public final class JwksKeys implements KeySetSource {
    static final Duration MAX_AGE = Duration.ofMinutes(10);
    static final Duration MIN_REFETCH = Duration.ofSeconds(30);
    private static final int MAX_BYTES = 256 * 1024;

    private final URI url;
    private final Duration readTimeout;
    private final Clock clock;
    private final HttpClient http;
    private JWKSet current = new JWKSet();
    private long fetchedAt = Long.MIN_VALUE;
    private long triedAt = Long.MIN_VALUE;

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
    public synchronized JWKSet keys(boolean unknownKid) {
        long now = clock.millis();
        boolean stale = fetchedAt == Long.MIN_VALUE || now - fetchedAt >= MAX_AGE.toMillis();
        boolean mayRetry = triedAt == Long.MIN_VALUE || now - triedAt >= MIN_REFETCH.toMillis();
        if ((stale || unknownKid) && mayRetry) {
            triedAt = now;
            JWKSet fetched = fetch();
            if (fetched != null) {
                current = fetched;
                fetchedAt = now;
            }
        }
        return current;
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
