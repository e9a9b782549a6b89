package dev.authloopback.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.testsupport.http.RecordingBackend;
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
 * none. Through the loopback's token API, and through a copy of sample-app whose filter runs in
 * on-behalf-of mode ({@link #onBehalfOfWebXml}, deployed with the operator's business-app.cli).
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

    /**
     * The web.xml of sample-app in on-behalf-of mode: its filter sends each request's user token to
     * the exchange profile at {@code profilePath} (the caller secret in {@code token-headers}, no
     * client credentials, which an owning profile refuses), and the backend is the test's.
     */
    static String onBehalfOfWebXml(String sampleWebXml, String backendUrl, String profilePath, String callerSecret) {
        String xml = DeploymentEnvironment.replaceOnce(sampleWebXml, "http://127.0.0.1:8090/backend", backendUrl,
                "sample-app web.xml backend-url");
        xml = DeploymentEnvironment.replaceOnce(xml, "${sys:auth-loopback.port:8082}/loopback</param-value>",
                "${sys:auth-loopback.port:8082}/loopback/" + profilePath + "</param-value>", "sample-app web.xml token-url");
        String credentials = xml.replaceFirst("<param-value>grant_type=client_credentials[^<]*</param-value>",
                "<param-value>grant_type=urn:ietf:params:oauth:grant-type:token-exchange</param-value>");
        if (credentials.equals(xml)) {
            throw new IllegalStateException("sample-app web.xml no longer has a client_credentials token-body");
        }
        xml = credentials;
        String filterClass = "<filter-class>dev.authloopback.filter.BearerTokenFilter</filter-class>";
        return DeploymentEnvironment.replaceOnce(xml, filterClass, filterClass
                + "\n    <init-param><param-name>on-behalf-of</param-name><param-value>true</param-value></init-param>"
                + "\n    <init-param><param-name>token-headers</param-name><param-value>X-Loopback-Secret: "
                + callerSecret + "</param-value></init-param>", "sample-app web.xml filter-class");
    }

    /**
     * Issue 22's acceptance on a standalone server, through a business app: alice's request reaches
     * the backend with an exchanged token whose {@code sub} is hers and whose {@code azp} is the
     * business client (one exchange for her repeated requests), bob gets his own, the app's own code
     * still sees alice's token as the inbound {@code Authorization}, and a request without a user token
     * is a 401 problem that never reaches the backend.
     *
     * @param app the on-behalf-of app's {@code /api/} (outbound: the JAX-RS client and the filter
     *            jar's {@code BearerTokenClientFilter}; forward: the inbound {@code Authorization} copied)
     */
    void businessAppSendsEachUsersExchangedTokenDownstream(URI app, RecordingBackend backend) throws Exception {
        String alice = login("alice");
        String bob = login("bob");
        int before = keycloak.tokenExchanges(LoopbackRealm.OBO_BUSINESS_CLIENT);
        RecordingBackend.Seen forAlice = null;
        for (int i = 0; i < 3; i++) {
            forAlice = throughApp(app.resolve("outbound"), alice, backend);
        }
        assertEquals(claims(alice).path("sub").asText(), String.valueOf(forAlice.claims().get("sub")),
                server + ": the backend sees alice as the subject: " + forAlice.claims());
        assertEquals(LoopbackRealm.OBO_BUSINESS_CLIENT, forAlice.claims().get("azp"),
                server + ": exchanged for the business client: " + forAlice.claims());
        assertNotEquals(alice, forAlice.token(), server + ": the backend gets the exchanged token, not alice's");
        assertEquals(1, keycloak.tokenExchanges(LoopbackRealm.OBO_BUSINESS_CLIENT) - before,
                server + ": three requests by alice through the app, one TOKEN_EXCHANGE at Keycloak");
        RecordingBackend.Seen forBob = throughApp(app.resolve("outbound"), bob, backend);
        assertEquals(claims(bob).path("sub").asText(), String.valueOf(forBob.claims().get("sub")),
                server + ": bob gets his own: " + forBob.claims());
        assertNotEquals(forAlice.token(), forBob.token());
        // The servlet that copies the inbound Authorization sees alice's own token: the filter added
        // the exchanged one for outbound calls and left the app's own security its header.
        assertEquals(alice, throughApp(app.resolve("forward"), alice, backend).token(),
                server + ": the inbound Authorization stays alice's token");

        int seen = backend.seen().size();
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(app.resolve("outbound"))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode(), server + ": no user token: " + anonymous.body());
        assertTrue(anonymous.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"),
                server + ": " + anonymous.headers().map());
        assertTrue(anonymous.body().contains("urn:authloopback:problem:user-token-required"), anonymous.body());
        assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"),
                server + ": " + anonymous.headers().map());
        assertEquals(seen, backend.seen().size(), server + ": no user token, no backend call (never a service token)");
    }

    private RecordingBackend.Seen throughApp(URI url, String userToken, RecordingBackend backend) throws Exception {
        int seen = backend.seen().size();
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + userToken).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), server + " " + url.getPath() + ": " + answer.body());
        assertEquals(seen + 1, backend.seen().size(), server + " " + url.getPath() + ": one backend call");
        return backend.seen().get(backend.seen().size() - 1);
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
