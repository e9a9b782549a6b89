package dev.authloopback.loopback.upstream;

import dev.authloopback.loopback.config.LoopbackConfiguration;
import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.config.SettingsSources;
import dev.authloopback.loopback.credentials.UpstreamCredential;
import dev.authloopback.loopback.memory.InFlightBytes;
import dev.authloopback.loopback.memory.NoRoomInFlight;
import dev.authloopback.loopback.memory.Reservation;
import dev.authloopback.loopback.request.TokenRequest;
import dev.authloopback.testsupport.oauth2.FaultyUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An upstream answer's body is held in the bytes in flight until it is written back, on a real HTTP exchange. */
class UpstreamInFlightTest {
    private final FaultyUpstream upstream = FaultyUpstream.start();
    private UpstreamTokenClient client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        upstream.close();
    }

    private UpstreamTokenClient client(InFlightBytes inFlight) {
        LoopbackSettings settings = LoopbackConfiguration.from(SettingsSources.of(Map.of(), Map.of(), Map.of(
                "loopback.upstream-url", upstream.tokenUrl().toString(),
                "loopback.max-response-bytes", "1MiB"))).defaultProfile();
        client = new UpstreamTokenClient(settings, UpstreamCredential.transparent(), inFlight);
        return client;
    }

    private static TokenRequest request() {
        return new TokenRequest("POST", "application/x-www-form-urlencoded", null, null, Map.of(),
                "grant_type=client_credentials".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void anAnswersBodyStaysInFlightUntilReleased() {
        InFlightBytes inFlight = new InFlightBytes(1 << 20);
        upstream.otherwise(FaultyUpstream.Answer.oversize(200_000));

        UpstreamAnswer answer = client(inFlight).exchange(request());

        assertEquals(200, answer.status());
        assertNotNull(answer.inFlight());
        assertTrue(inFlight.held() >= answer.body().length, "held " + inFlight.held());
        answer.release();
        answer.release();
        assertEquals(0, inFlight.held());
    }

    @Test
    void anAnswerThatDoesNotFitIsRefusedAsBusyAndHoldsNothing() {
        InFlightBytes inFlight = new InFlightBytes(300_000);
        Reservation other = inFlight.tryReserve(150_000);
        upstream.otherwise(FaultyUpstream.Answer.oversize(200_000));

        NoRoomInFlight busy = assertThrows(NoRoomInFlight.class, () -> client(inFlight).exchange(request()));

        assertTrue(busy.getMessage().contains("max-bytes-in-flight=300000"), busy.getMessage());
        assertEquals(150_000, inFlight.held(), "only the other transfer's bytes are held");
        other.close();
        UpstreamAnswer answer = client.exchange(request());
        assertEquals(200, answer.status(), "with room again, the same answer goes through");
        answer.release();
        assertEquals(0, inFlight.held());
    }
}
