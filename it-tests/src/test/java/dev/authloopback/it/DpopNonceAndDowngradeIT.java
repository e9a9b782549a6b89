package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.authloopback.filter.BearerTokenClientFilter;
import dev.authloopback.filter.BearerTokenFilter;
import dev.authloopback.filter.DpopProofSigner;
import dev.authloopback.filter.internal.DpopKey;
import dev.authloopback.filter.internal.DpopNonces;
import dev.authloopback.it.support.DpopResourceServer;
import dev.authloopback.it.support.DpopTokenEndpoint;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.testsupport.LogCapture;
import dev.authloopback.testsupport.http.Http;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 25, the faults: an IdP that demands its DPoP nonce costs the filter one extra round trip
 * through the loopback and then none (the nonce is kept and published); an IdP that answers Bearer
 * to a proof gets its answer passed back, never stored as a DPoP token.
 */
class DpopNonceAndDowngradeIT {
    private static final String FORM = "application/x-www-form-urlencoded";
    private final Http http = new Http(Duration.ofSeconds(30));

    @Test
    void anIdpDemandingANonceCostsOneExtraRoundTripThenTheNonceIsKept() throws Exception {
        try (DpopTokenEndpoint idp = DpopTokenEndpoint.demandingNonce("idp-nonce-1");
             LoopbackServer loopback = LoopbackServer.builder().upstream(idp.tokenUrl()).setting("dpop", "true").start();
             DpopResourceServer rs = DpopResourceServer.start();
             BearerTokenClientFilter filter = filter(loopback)) {
            int first = call(filter, rs.url("/orders"));
            int second = call(filter, rs.url("/orders"));
            Http.Answer metadata = http.get(loopback.url("/dpop"));
            String message = first + "/" + second + ", IdP calls " + idp.calls() + ", rs " + rs.outcomes()
                    + ", metadata " + metadata;
            assertAll(
                    () -> assertEquals(200, first, message),
                    () -> assertEquals(200, second, message),
                    () -> assertEquals(List.of("400 use_dpop_nonce", "200 DPoP"), idp.calls(), message),
                    () -> assertEquals("idp-nonce-1", metadata.header("DPoP-Nonce"), message));
        }
    }

    @Test
    void aBearerAnswerToAProofIsPassedBackButNeverStored() throws Exception {
        try (DpopTokenEndpoint idp = DpopTokenEndpoint.downgradingToBearer();
             LogCapture logs = LogCapture.start(java.util.logging.Level.FINE, "dev.authloopback");
             LoopbackServer loopback = LoopbackServer.builder().upstream(idp.tokenUrl()).setting("dpop", "true").start()) {
            DpopProofSigner signer = DpopProofSigner.of(DpopKey.generate(), new DpopNonces(), Clock.systemUTC(), null);
            String proofA = signer.proof("POST", idp.tokenUrl());
            String proofB = signer.proof("POST", idp.tokenUrl());
            Http.Answer a = http.post(loopback.tokenUrl(), FORM, "grant_type=client_credentials", "DPoP", proofA);
            Http.Answer b = http.post(loopback.tokenUrl(), FORM, "grant_type=client_credentials", "DPoP", proofB);
            String message = a + " / " + b + ", IdP calls " + idp.calls();
            assertAll(
                    () -> assertEquals(200, a.status(), message),
                    () -> assertEquals("MISS", a.header("X-Loopback-Cache"), message),
                    () -> assertEquals("MISS", b.header("X-Loopback-Cache"), "never stored: " + message),
                    () -> assertEquals(List.of("200 Bearer", "200 Bearer"), idp.calls(), message),
                    () -> assertEquals(false, logs.text().contains(proofA.substring(proofA.lastIndexOf('.') + 1))
                            || logs.text().contains(proofB.substring(proofB.lastIndexOf('.') + 1)), "no proof in the logs"),
                    () -> assertEquals(1, logs.linesContaining("SKIP(dpop_binding").size() >= 1 ? 1 : 0,
                            "the refusal to store is logged: " + logs.lines()));
        }
    }

    private static BearerTokenClientFilter filter(LoopbackServer loopback) {
        Map<String, String> params = new HashMap<>();
        params.put(BearerTokenFilter.TOKEN_URL_PARAM, loopback.tokenUrl().toString());
        params.put(BearerTokenFilter.TOKEN_BODY_PARAM, "grant_type=client_credentials");
        params.put(BearerTokenFilter.LOCAL_TTL_PARAM, "0s");
        params.put(BearerTokenFilter.DPOP_PARAM, "true");
        return BearerTokenClientFilter.create(params);
    }

    private static int call(BearerTokenClientFilter filter, URI uri) {
        Client client = ClientBuilder.newClient().register(filter);
        try (Response response = client.target(uri).request().get()) {
            return response.getStatus();
        } finally {
            client.close();
        }
    }
}
