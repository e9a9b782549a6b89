package dev.authloopback.filter;

import dev.authloopback.filter.internal.FilterSettings;
import dev.authloopback.filter.internal.LoopbackTokenClient;
import dev.authloopback.filter.internal.Placeholders;
import dev.authloopback.filter.internal.Token;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A loopback HIT answers the same bytes again and again; the client parses them once, but every
 * answer's own {@code Age} still shortens the lifetime it reports, and a new body is parsed anew.
 */
class RepeatedAnswersTest {
    private final FakeLoopback loopback;
    private final LoopbackTokenClient client;

    RepeatedAnswersTest() throws Exception {
        loopback = new FakeLoopback();
        client = new LoopbackTokenClient(FilterSettings.from(Map.of("token-url", loopback.url().toString()),
                Placeholders.system()), Clock.systemUTC());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        loopback.close();
    }

    @Test
    void theSameBodyWithAnotherAgeReportsTheShorterLifetime() throws Exception {
        loopback.sameToken = true;
        loopback.expiresIn = 3600;
        loopback.age = "100";
        Token first = client.token();
        loopback.age = "3500";
        Token second = client.token();

        assertEquals("tok-1", first.value());
        assertEquals("tok-1", second.value());
        assertEquals(Duration.ofSeconds(3500), first.expiresIn());
        assertEquals(Duration.ofSeconds(100), second.expiresIn());
    }

    @Test
    void aNewBodyIsParsedAnew() throws Exception {
        Token first = client.token();
        Token second = client.token();

        assertEquals("tok-1", first.value());
        assertEquals("tok-2", second.value());
    }
}
