package dev.authloopback.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.it.support.LoopbackServer;
import dev.authloopback.it.support.SampleAppServer;
import dev.authloopback.testsupport.http.Http;
import dev.authloopback.testsupport.http.RecordingBackend;
import dev.authloopback.testsupport.oauth2.OAuth2Upstream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, found by a hostile local user: an owning profile (the loopback authenticates upstream
 * itself) hands out its token only to callers that prove themselves with the shared secret, grants
 * no scope beyond its ceiling, reads exactly one JSON object, and checks {@code resource}. The real
 * WAR on embedded Jetty in front of the real mock-oauth2-server, which counts every token request,
 * so "no upstream call" is measured, not assumed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LeastPrivilegeIT {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String JSON = "application/json";
    private static final String CALLER_SECRET = "caller-5ecret-9a1f03e7c2";
    private static final String HEADER = "X-Loopback-Secret";

    private final Http http = new Http();
    private OAuth2Upstream idp;
    private LoopbackServer loopback;

    @BeforeAll
    void startAnOwningProfile() {
        idp = new OAuth2Upstream();
        loopback = LoopbackServer.builder().upstream(idp.tokenUrl())
                .setting("client-auth", "client_secret_basic").setting("client-id", "orders-service")
                .setting("client-secret", "orders-service-secret")
                .setting("shared-secret", CALLER_SECRET)
                .setting("scope", "orders.read orders.write")
                .start();
    }

    @AfterAll
    void stop() {
        loopback.close();
        idp.close();
    }

    /** The body must be a problem JSON of this type, and the IdP must not have been asked. */
    private void refusedWithoutUpstreamCall(Http.Answer answer, int status, String type, int upstreamBefore) {
        assertAll(
                () -> assertEquals(status, answer.status(), answer.toString()),
                () -> assertTrue(String.valueOf(answer.header("Content-Type")).startsWith("application/problem+json"),
                        answer.toString()),
                () -> assertTrue(answer.body().contains("\"urn:authloopback:problem:" + type + "\""), answer.toString()),
                () -> assertEquals(upstreamBefore, idp.tokenRequests(), "no upstream call: " + answer));
    }

    @Test
    void noSecretOrAWrongOneGets401AndNoToken() {
        int before = idp.tokenRequests();
        Http.Answer none = http.post(loopback.tokenUrl(), FORM, "scope=orders.read");
        Http.Answer wrong = http.post(loopback.tokenUrl(), FORM, "scope=orders.read", HEADER, "caller-5ecret-guess000");
        refusedWithoutUpstreamCall(none, 401, "shared-secret-required", before);
        refusedWithoutUpstreamCall(wrong, 401, "shared-secret-required", before);
        assertFalse(none.body().contains("access_token") || wrong.body().contains(CALLER_SECRET), none + " / " + wrong);
    }

    @Test
    void theRightSecretGetsTheTokenAndASubsetOfTheScopeToo() {
        Http.Answer full = http.post(loopback.tokenUrl(), FORM, "", HEADER, CALLER_SECRET);
        Http.Answer subset = http.post(loopback.tokenUrl(), FORM, "scope=orders.write", HEADER, CALLER_SECRET);
        Http.Answer json = http.post(loopback.tokenUrl(), JSON, "{\"scope\":\"orders.read\"}", HEADER, CALLER_SECRET);
        for (Http.Answer answer : new Http.Answer[] {full, subset, json}) {
            assertAll(
                    () -> assertEquals(200, answer.status(), answer.toString()),
                    () -> assertTrue(answer.body().contains("\"access_token\""), answer.toString()));
        }
    }

    @Test
    void aScopeBeyondTheCeilingIs403NamingTheScopeAndNoUpstreamCall() {
        int before = idp.tokenRequests();
        Http.Answer form = http.post(loopback.tokenUrl(), FORM, "scope=orders.read+orders.admin", HEADER, CALLER_SECRET);
        Http.Answer json = http.post(loopback.tokenUrl(), JSON, "{\"scope\":\"payments.write\"}", HEADER, CALLER_SECRET);
        refusedWithoutUpstreamCall(form, 403, "scope-not-allowed", before);
        refusedWithoutUpstreamCall(json, 403, "scope-not-allowed", before);
        assertAll(
                () -> assertTrue(form.body().contains("'orders.admin'"), form.toString()),
                () -> assertTrue(json.body().contains("'payments.write'"), json.toString()));
        Http.Answer audience = http.post(loopback.tokenUrl(), FORM, "audience=billing", HEADER, CALLER_SECRET);
        refusedWithoutUpstreamCall(audience, 403, "audience-not-allowed", before);
    }

    @Test
    void trailingJsonAndDuplicateKeysAre400AndNoUpstreamCall() {
        int before = idp.tokenRequests();
        Http.Answer trailing = http.post(loopback.tokenUrl(), JSON, "{\"scope\":\"orders.read\"}{\"client_secret\":\"x\"}",
                HEADER, CALLER_SECRET);
        Http.Answer twice = http.post(loopback.tokenUrl(), JSON, "{\"scope\":\"orders.read\",\"scope\":\"orders.write\"}",
                HEADER, CALLER_SECRET);
        refusedWithoutUpstreamCall(trailing, 400, "field-not-allowed", before);
        refusedWithoutUpstreamCall(twice, 400, "field-not-allowed", before);
    }

    @Test
    void aResourceThatIsNoAbsoluteUriIs400NamingTheField() {
        int before = idp.tokenRequests();
        Http.Answer form = http.post(loopback.tokenUrl(), FORM, "resource=not+a+uri%23frag", HEADER, CALLER_SECRET);
        Http.Answer json = http.post(loopback.tokenUrl(), JSON, "{\"resource\":\"not a uri#frag\"}", HEADER, CALLER_SECRET);
        refusedWithoutUpstreamCall(form, 400, "invalid-resource", before);
        refusedWithoutUpstreamCall(json, 400, "invalid-resource", before);
        assertTrue(form.body().contains("'resource'"), form.toString());
    }

    @Test
    void aBusinessAppSendsTheSecretFromAFileAndGetsItsBearerToken(@TempDir Path dir) throws Exception {
        Path secretFile = Files.writeString(dir.resolve("loopback-secret"), CALLER_SECRET + "\n");
        try (RecordingBackend backend = RecordingBackend.start();
             SampleAppServer app = SampleAppServer.builder().tokenUrl(loopback.tokenUrl()).backendUrl(backend.url())
                     .filterParam("token-body", "scope=orders.read")
                     .filterParam("token-secret-file", secretFile.toString()).start()) {
            Http.Answer answer = http.get(app.forwardUrl());
            assertAll(
                    () -> assertEquals(200, answer.status(), answer + " backend " + backend.seen()),
                    () -> assertEquals(1, backend.seen().size(), answer.toString()),
                    () -> assertTrue(backend.seen().get(0).token() != null, backend.seen().toString()));
        }
    }

    @Test
    void anOwningProfileWithoutACallerSecretDoesNotDeploy() {
        LoopbackServer.DeploymentFailed failure = assertThrows(LoopbackServer.DeploymentFailed.class, () ->
                LoopbackServer.builder().upstream(idp.tokenUrl()).setting("client-auth", "client_secret_basic")
                        .setting("client-id", "orders-service").setting("client-secret", "orders-service-secret")
                        .start().close());
        assertAll(
                () -> assertTrue(failure.getMessage().contains("loopback.shared-secret: required"), failure.getMessage()),
                () -> assertTrue(failure.getMessage().contains("caller-auth=none"), failure.getMessage()));
    }

    @Test
    void aPerProfileAdminSecretFailsDeploymentNamingItAsWebAppWide() {
        String adminSecret = "admin-5ecret-for-partner-only";
        LoopbackServer.DeploymentFailed failure = assertThrows(LoopbackServer.DeploymentFailed.class, () ->
                LoopbackServer.builder().upstream(idp.tokenUrl()).setting("profiles", "partner")
                        .setting("partner.upstream-url", idp.tokenUrl())
                        .setting("partner.admin-secret", adminSecret).start().close());
        String message = failure.getMessage();
        assertAll(
                () -> assertTrue(message.contains("(1 problem)"), message),
                () -> assertTrue(message.contains("loopback.partner.admin-secret (context init-param)"), message),
                () -> assertTrue(message.contains("web-app-wide"), message),
                () -> assertFalse(message.contains(adminSecret), "no secret echoed: " + message));
    }
}
