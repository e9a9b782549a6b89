package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.authloopback.filter.BearerTokenClientFilter;
import dev.authloopback.filter.BearerTokenFilter;
import dev.authloopback.filter.DpopProofSigner;
import dev.authloopback.filter.internal.DpopKey;
import dev.authloopback.filter.internal.DpopNonces;
import dev.authloopback.it.support.DpopResourceServer;
import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.keycloak.KeycloakServer;
import dev.authloopback.testsupport.keycloak.LoopbackRealm;
import dev.authloopback.testsupport.terracotta.ClusterKeyFiles;
import dev.authloopback.testsupport.terracotta.TerracottaServer;
import dev.authloopback.testsupport.http.Jetty;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 25: DPoP (RFC 9449) through the loopback against a REAL Keycloak 26.4.5 whose client
 * {@value LoopbackRealm#DPOP_CLIENT} requires DPoP-bound access tokens. The app holds the key and signs;
 * the loopback checks each proof, keys entries by the key's thumbprint and forwards the proof on a
 * MISS only; a resource server that verifies proofs (in the tests) accepts the filters' calls.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeycloakDpopIT {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String BODY = "grant_type=client_credentials&scope=orders.read&client_id="
            + LoopbackRealm.DPOP_CLIENT + "&client_secret=" + LoopbackRealm.DPOP_SECRET;

    private final Http http = new Http(Duration.ofSeconds(30));
    private final ObjectMapper json = new ObjectMapper();
    private KeycloakServer keycloak;
    private LoopbackServer loopback;
    private Path dir;

    @BeforeAll
    void start(@TempDir Path tempDir) {
        dir = tempDir;
        keycloak = KeycloakServer.fromDist(LoopbackRealm.create()).start();
        loopback = LoopbackServer.builder().upstream(keycloak.tokenUrl()).setting("dpop", "true").start();
    }

    @AfterAll
    void stop() {
        if (loopback != null) {
            loopback.close();
        }
        if (keycloak != null) {
            keycloak.close();
        }
    }

    @Test
    void theTokenIsBoundToTheAppKeyAndTwoRequestsMakeOneKeycloakCall() throws Exception {
        DpopKey key = DpopKey.generate();
        DpopProofSigner signer = DpopProofSigner.of(key, new DpopNonces(), Clock.systemUTC(), null);
        Http.Answer metadata = http.get(loopback.url("/dpop"));
        URI htu = URI.create(json.readTree(metadata.body()).path("htu").asText());
        int before = keycloak.tokenCalls(LoopbackRealm.DPOP_CLIENT);
        Http.Answer miss = http.post(loopback.tokenUrl(), FORM, BODY, "DPoP", signer.proof("POST", htu));
        Http.Answer hit = http.post(loopback.tokenUrl(), FORM, BODY, "DPoP", signer.proof("POST", htu));
        Http.Answer noProof = http.post(loopback.tokenUrl(), FORM, BODY);
        String proof = signer.proof("POST", htu);
        Http.Answer first = http.post(loopback.tokenUrl(), FORM, BODY, "DPoP", proof);
        Http.Answer replayed = http.post(loopback.tokenUrl(), FORM, BODY, "DPoP", proof);
        JsonNode answer = json.readTree(miss.body());
        String message = "metadata " + metadata + "; miss " + miss + "; hit " + hit + "; Keycloak events "
                + keycloak.events(LoopbackRealm.DPOP_CLIENT);
        assertAll(
                () -> assertEquals(keycloak.tokenUrl().toString(), htu.toString(), message),
                () -> assertEquals(200, miss.status(), message),
                () -> assertEquals("MISS", miss.header("X-Loopback-Cache"), message),
                () -> assertEquals("DPoP", answer.path("token_type").asText(), message),
                () -> assertEquals(key.thumbprint(), claims(answer.path("access_token").asText()).path("cnf").path("jkt")
                        .asText(), message),
                () -> assertEquals("HIT", hit.header("X-Loopback-Cache"), message),
                () -> assertEquals(answer.path("access_token").asText(),
                        json.readTree(hit.body()).path("access_token").asText(), message),
                () -> assertEquals(before + 1, keycloak.tokenCalls(LoopbackRealm.DPOP_CLIENT), message),
                () -> assertEquals(400, noProof.status(), "no proof, no token: " + noProof),
                () -> assertEquals(200, first.status(), first.toString()),
                () -> assertEquals(400, replayed.status(), "a proof is used once: " + replayed),
                () -> assertTrue(replayed.body().contains("jti"), replayed.toString()));
    }

    @Test
    void bothFiltersOutboundCallsAreAcceptedAndTwoKeysGetTwoTokensWhileASharedKeyFileSharesOne() throws Exception {
        Path keyFile = Files.writeString(dir.resolve("dpop-key.jwk.json"),
                new ECKeyGenerator(Curve.P_256).generate().toJSONString());
        int before = keycloak.tokenCalls(LoopbackRealm.DPOP_CLIENT);
        try (DpopResourceServer rs = DpopResourceServer.start();
             BearerTokenClientFilter nodeA = filter(Map.of(BearerTokenFilter.DPOP_KEY_FILE_PARAM, keyFile.toString()));
             BearerTokenClientFilter nodeB = filter(Map.of(BearerTokenFilter.DPOP_KEY_FILE_PARAM, keyFile.toString()));
             BearerTokenClientFilter ownKey = filter(Map.of(BearerTokenFilter.DPOP_PARAM, "true"))) {
            Server app = servletApp(keyFile, rs.url("/orders"));
            Http.Answer viaServlet;
            try {
                viaServlet = http.get(URI.create("http://127.0.0.1:" + Jetty.port(app) + "/app/call"));
            } finally {
                Jetty.stop(app);
            }
            List<Integer> statuses = List.of(call(nodeA, rs.url("/orders?page=1")), call(nodeB, rs.url("/orders")),
                    call(ownKey, rs.url("/orders")), call(ownKey, rs.url("/orders#x")),
                    viaServlet.body().startsWith("200 DPoP ") ? 200 : -1);
            String message = "statuses " + statuses + ", resource server " + rs.outcomes() + ", Keycloak events "
                    + keycloak.events(LoopbackRealm.DPOP_CLIENT);
            assertAll(
                    () -> assertEquals(List.of(200, 200, 200, 200, 200), statuses, message + ", servlet " + viaServlet),
                    () -> assertEquals(before + 2, keycloak.tokenCalls(LoopbackRealm.DPOP_CLIENT),
                            "one token for the shared key file's two nodes, one for the other key: " + message));
        }
    }

    /**
     * Two loopback nodes sharing a Terracotta tier: two app nodes sharing the key file, each asking its
     * own loopback node, share one token (one Keycloak call); an app with its own key gets its own.
     */
    @Test
    void appNodesSharingTheKeyFileShareTheTokenAcrossALoopbackCluster() throws Exception {
        Path keyFile = Files.writeString(dir.resolve("cluster-dpop-key.jwk.json"),
                new ECKeyGenerator(Curve.P_256).generate().toJSONString());
        try (TerracottaServer terracotta = TerracottaServer.fromKit().start()) {
            Path clusterKeys = ClusterKeyFiles.oneKey(terracotta.directory().resolve("cluster.keys"));
            int before = keycloak.tokenCalls(LoopbackRealm.DPOP_CLIENT);
            try (LoopbackServer node1 = clusteredNode(terracotta, clusterKeys);
                 LoopbackServer node2 = clusteredNode(terracotta, clusterKeys);
                 DpopResourceServer rs = DpopResourceServer.start();
                 BearerTokenClientFilter appA = filter(node1, Map.of(BearerTokenFilter.DPOP_KEY_FILE_PARAM, keyFile.toString()));
                 BearerTokenClientFilter appB = filter(node2, Map.of(BearerTokenFilter.DPOP_KEY_FILE_PARAM, keyFile.toString()));
                 BearerTokenClientFilter other = filter(node2, Map.of(BearerTokenFilter.DPOP_PARAM, "true"))) {
                List<Integer> statuses = List.of(call(appA, rs.url("/orders")), call(appB, rs.url("/orders")),
                        call(other, rs.url("/orders")));
                String message = "statuses " + statuses + ", rs " + rs.outcomes() + ", node1 " + node1.exchanges()
                        + ", node2 " + node2.exchanges() + ", Keycloak events " + keycloak.events(LoopbackRealm.DPOP_CLIENT);
                assertAll(
                        () -> assertEquals(List.of(200, 200, 200), statuses, message),
                        () -> assertEquals(before + 2, keycloak.tokenCalls(LoopbackRealm.DPOP_CLIENT),
                                "shared key file: one token across the cluster; own key: one more: " + message));
            }
        }
    }

    /**
     * A business app whose servlet calls a resource server itself (inbound servlet mode): the filter
     * sets {@code Authorization: DPoP <token>} and the {@link DpopProofSigner} attribute, and the
     * servlet signs the proof for its own call. Answers "<status of its call> <Authorization scheme>".
     */
    private Server servletApp(Path keyFile, URI resource) throws Exception {
        Server server = Jetty.server("dpop-app", 16);
        ServletContextHandler context = new ServletContextHandler("/app");
        FilterHolder filter = new FilterHolder(BearerTokenFilter.class);
        filter.setInitParameter(BearerTokenFilter.TOKEN_URL_PARAM, loopback.tokenUrl().toString());
        filter.setInitParameter(BearerTokenFilter.TOKEN_BODY_PARAM, BODY);
        filter.setInitParameter(BearerTokenFilter.DPOP_KEY_FILE_PARAM, keyFile.toString());
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
        context.addServlet(new ServletHolder(new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                DpopProofSigner dpop = (DpopProofSigner) req.getAttribute(DpopProofSigner.ATTRIBUTE);
                try {
                    HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(resource)
                            .header("Authorization", dpop.authorization())
                            .header("DPoP", dpop.proof("GET", resource)).build(), HttpResponse.BodyHandlers.ofString());
                    resp.getWriter().write(answer.statusCode() + " " + req.getHeader("Authorization").split(" ")[0] + " ");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    resp.sendError(500);
                }
            }
        }), "/*");
        server.setHandler(context);
        server.start();
        return server;
    }

    private LoopbackServer clusteredNode(TerracottaServer terracotta, Path clusterKeys) {
        return LoopbackServer.builder().upstream(keycloak.tokenUrl()).setting("dpop", "true")
                .setting("cluster-uri", terracotta.uri("auth-loopback")).setting("cluster-key-file", clusterKeys)
                .setting("cluster-pool-size", "8MiB").setting("cluster-connection-timeout", "5s").start();
    }

    @Test
    void aResourceServerDemandingANonceCostsOneExtraRoundTrip() throws Exception {
        try (DpopResourceServer rs = DpopResourceServer.start().demandNonce();
             BearerTokenClientFilter filter = filter(Map.of(BearerTokenFilter.DPOP_PARAM, "true"))) {
            int first = call(filter, rs.url("/orders"));
            int second = call(filter, rs.url("/orders"));
            List<String> outcomes = rs.outcomes();
            String message = first + "/" + second + ", resource server " + outcomes;
            assertAll(
                    () -> assertEquals(200, first, message),
                    () -> assertEquals(200, second, message),
                    () -> assertEquals(3, outcomes.size(), "one extra round trip, then the nonce is kept: " + message),
                    () -> assertTrue(outcomes.get(0).startsWith("401 nonce"), message));
        }
    }

    private BearerTokenClientFilter filter(Map<String, String> dpop) {
        return filter(loopback, dpop);
    }

    private static BearerTokenClientFilter filter(LoopbackServer loopback, Map<String, String> dpop) {
        Map<String, String> params = new java.util.HashMap<>(dpop);
        params.put(BearerTokenFilter.TOKEN_URL_PARAM, loopback.tokenUrl().toString());
        params.put(BearerTokenFilter.TOKEN_BODY_PARAM, BODY);
        params.put(BearerTokenFilter.LOCAL_TTL_PARAM, "0s");
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

    private JsonNode claims(String jwt) throws Exception {
        return json.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    }
}
