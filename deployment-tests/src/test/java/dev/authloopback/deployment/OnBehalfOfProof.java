package dev.authloopback.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.testsupport.keycloak.KeycloakServer;
import dev.authloopback.testsupport.keycloak.LoopbackRealm;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Issue 22 on a standalone server: the deployed loopback's exchange profile, against the real
 * Keycloak. Users alice and bob log in (password grant of the realm's test client); each one's token
 * is exchanged for one whose {@code sub} is theirs and whose {@code azp} is the business client; 20
 * concurrent requests with alice's token make one exchange by Keycloak's own count; forged tokens make
 * none. Through the loopback's token API (no business app in on-behalf-of mode on the server yet).
 */
final class OnBehalfOfProof {
    private final String server;
    private final KeycloakServer keycloak;
    private final String callerSecret;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    OnBehalfOfProof(String server, KeycloakServer keycloak, String callerSecret) {
        this.server = server;
        this.keycloak = keycloak;
        this.callerSecret = callerSecret;
    }

    void usersGetTheirOwnExchangedTokens(URI profile) throws Exception {
        String alice = login("alice");
        String bob = login("bob");
        int before = keycloak.tokenExchanges(LoopbackRealm.OBO_BUSINESS_CLIENT);
        List<CompletableFuture<HttpResponse<String>>> herd = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            herd.add(http.sendAsync(exchange(profile, alice), HttpResponse.BodyHandlers.ofString()));
        }
        List<String> aliceTokens = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> answer : herd) {
            HttpResponse<String> response = answer.get();
            assertEquals(200, response.statusCode(), server + " exchange for alice: " + response.body());
            aliceTokens.add(json.readTree(response.body()).path("access_token").asText());
        }
        assertEquals(1, keycloak.tokenExchanges(LoopbackRealm.OBO_BUSINESS_CLIENT) - before,
                server + ": 20 concurrent requests by alice, one TOKEN_EXCHANGE at Keycloak");
        assertEquals(1, aliceTokens.stream().distinct().count(), server + ": alice's requests share one exchanged token");
        JsonNode exchanged = claims(aliceTokens.get(0));
        assertEquals(claims(alice).path("sub").asText(), exchanged.path("sub").asText(), server + ": " + exchanged);
        assertEquals(LoopbackRealm.OBO_BUSINESS_CLIENT, exchanged.path("azp").asText(), server + ": " + exchanged);
        HttpResponse<String> forBob = http.send(exchange(profile, bob), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, forBob.statusCode(), forBob.body());
        JsonNode bobs = claims(json.readTree(forBob.body()).path("access_token").asText());
        assertEquals(claims(bob).path("sub").asText(), bobs.path("sub").asText(), server + ": bob gets his own");
        assertNotEquals(exchanged.path("sub").asText(), bobs.path("sub").asText());
        int afterUsers = keycloak.tokenExchanges(LoopbackRealm.OBO_BUSINESS_CLIENT);
        String[] parts = alice.split("\\.");
        for (int i = 0; i < 10; i++) {
            String forged = parts[0] + "." + parts[1] + "." + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(("forged-signature-" + i).getBytes(StandardCharsets.US_ASCII));
            HttpResponse<String> refused = http.send(exchange(profile, forged), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, refused.statusCode(), server + ": a forged subject token: " + refused.body());
            assertTrue(refused.body().contains("invalid-subject-token"), refused.body());
        }
        assertEquals(afterUsers, keycloak.tokenExchanges(LoopbackRealm.OBO_BUSINESS_CLIENT),
                server + ": forged subject tokens never reach Keycloak");
    }

    private HttpRequest exchange(URI profile, String subjectToken) {
        return HttpRequest.newBuilder(profile).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Loopback-Secret", callerSecret)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "subject_token=" + URLEncoder.encode(subjectToken, StandardCharsets.UTF_8))).build();
    }

    private String login(String user) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(keycloak.tokenUrl())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=password&client_id="
                        + LoopbackRealm.OBO_LOGIN_CLIENT + "&username=" + user + "&password=" + LoopbackRealm.OBO_PASSWORD
                        + "&scope=openid")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), "password grant for " + user + ": " + answer.body());
        return json.readTree(answer.body()).path("access_token").asText();
    }

    private JsonNode claims(String jwt) throws Exception {
        return json.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }
}
