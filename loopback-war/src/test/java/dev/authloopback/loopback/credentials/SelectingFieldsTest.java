package dev.authloopback.loopback.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import dev.authloopback.loopback.request.TokenRequest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Issue 20: an owning profile grants callers only what it allows, and reads exactly one request. */
class SelectingFieldsTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String JSON = "application/json";

    /** A profile with scope "orders.read orders.write", one resource, one audience; ceilings at their defaults. */
    private static final ClientAuthSettings DEFAULT_CEILINGS = new ClientAuthSettings(ClientAuthMethod.CLIENT_SECRET_POST,
            "app", "x", null, null, null, null, null, Duration.ofSeconds(60), null, null, null, null,
            "client_credentials", "orders.read orders.write", List.of("https://api.example/orders"), "orders-api");

    private final SelectingFields fields = new SelectingFields(DEFAULT_CEILINGS, new JsonFactory());

    private static TokenRequest caller(String contentType, String body) {
        return new TokenRequest("POST", contentType, null, null, Map.of(), body.getBytes(StandardCharsets.UTF_8));
    }

    private String reduced(String contentType, String body) {
        return new String(fields.reduce(caller(contentType, body)).body(), StandardCharsets.US_ASCII);
    }

    private CallerRequestRefused refused(String contentType, String body) {
        return assertThrows(CallerRequestRefused.class, () -> fields.reduce(caller(contentType, body)), body);
    }

    @Test
    void theProfilesOwnValuesAreTheDefaultCeilings() {
        assertEquals(Set.of("orders.read", "orders.write"), DEFAULT_CEILINGS.allowedScopes());
        assertEquals(Set.of("https://api.example/orders"), DEFAULT_CEILINGS.allowedResources());
        assertEquals(Set.of("orders-api"), DEFAULT_CEILINGS.allowedAudiences());
    }

    @Test
    void aCallerMayAskForASubsetOfTheScopeWordsInAnyOrder() {
        assertEquals("scope=orders.read&resource=https%3A%2F%2Fapi.example%2Forders&audience=orders-api",
                reduced(FORM, "scope=orders.read"));
        assertTrue(reduced(FORM, "scope=orders.write+orders.read").startsWith("scope=orders.write+orders.read&"));
        assertTrue(reduced(JSON, "{\"scope\":\"orders.read\",\"audience\":\"orders-api\"}").startsWith("scope="));
        assertTrue(reduced(FORM, "").startsWith("scope=orders.read+orders.write&"), "nothing sent: the defaults");
    }

    @Test
    void aScopeWordBeyondTheCeilingIs403NamingTheWord() {
        CallerRequestRefused e = refused(FORM, "scope=orders.read+admin");
        assertEquals(403, e.status());
        assertEquals("scope-not-allowed", e.slug());
        assertTrue(e.getMessage().contains("'admin'"), e.getMessage());
        assertEquals("scope-not-allowed", refused(JSON, "{\"scope\":\"admin\"}").slug());
    }

    @Test
    void aResourceOrAudienceBeyondTheCeilingIs403() {
        CallerRequestRefused resource = refused(FORM, "resource=https%3A%2F%2Fbilling.example%2F");
        assertEquals(403, resource.status());
        assertEquals("resource-not-allowed", resource.slug());
        assertTrue(resource.getMessage().contains("'https://billing.example/'"), resource.getMessage());
        CallerRequestRefused audience = refused(JSON, "{\"audience\":[\"orders-api\",\"billing-api\"]}");
        assertEquals(403, audience.status());
        assertEquals("audience-not-allowed", audience.slug());
        assertTrue(audience.getMessage().contains("'billing-api'"), audience.getMessage());
    }

    @Test
    void wideCeilingsLetCallersChooseWithinThem() {
        ClientAuthSettings wide = new ClientAuthSettings(ClientAuthMethod.CLIENT_SECRET_POST, "app", "x", null, null,
                null, null, null, Duration.ofSeconds(60), null, ClientAuthSettings.JWT_BEARER, null, null, null, null, null,
                "client_credentials", null, List.of(),
                null, Set.of("a", "b"), Set.of("urn:x:orders"), Set.of("aud-1"));
        SelectingFields chooser = new SelectingFields(wide, new JsonFactory());
        assertEquals("scope=b+a&resource=urn%3Ax%3Aorders&audience=aud-1", new String(chooser.reduce(
                caller(FORM, "scope=b+a&resource=urn:x:orders&audience=aud-1")).body(), StandardCharsets.US_ASCII));
        assertEquals("scope-not-allowed", assertThrows(CallerRequestRefused.class,
                () -> chooser.reduce(caller(FORM, "scope=c"))).slug());
    }

    @Test
    void aResourceMustBeAnAbsoluteUriWithoutFragment() {
        for (String body : List.of("resource=not+a+uri%23frag", "resource=%2Frelative", "resource=https%3A%2F%2Fa%2F%23f")) {
            CallerRequestRefused e = refused(FORM, body);
            assertEquals(400, e.status(), body);
            assertEquals("invalid-resource", e.slug(), body);
            assertTrue(e.getMessage().contains("'resource'"), e.getMessage());
        }
        assertEquals("invalid-resource", refused(JSON, "{\"resource\":\"not a uri#frag\"}").slug());
    }

    @Test
    void oneJsonObjectAndNothingAfterIt() {
        CallerRequestRefused trailing = refused(JSON, "{\"scope\":\"orders.read\"}{\"client_secret\":\"x\"}");
        assertEquals(400, trailing.status());
        assertEquals("field-not-allowed", trailing.slug());
        assertTrue(trailing.getMessage().contains("nothing after it"), trailing.getMessage());
        assertEquals(400, refused(JSON, "{\"scope\":\"orders.read\"} 1").status());
        assertEquals(400, refused(JSON, "{\"scope\":\"orders.read\"} garbage").status());
        assertEquals("scope=orders.read", reduced(JSON, " {\"scope\":\"orders.read\"} \n").substring(0, 17),
                "white space around the object is fine");
    }

    @Test
    void aJsonKeyTwiceIsRefused() {
        CallerRequestRefused e = refused(JSON, "{\"audience\":\"orders-api\",\"audience\":\"billing-api\"}");
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("once"), e.getMessage());
        assertEquals(400, refused(JSON, "{\"resource\":[\"https://api.example/orders\"],"
                + "\"resource\":\"https://api.example/orders\"}").status());
    }

    @Test
    void aShownValueIsPrintableAndShort() {
        CallerRequestRefused e = refused(FORM, "scope=" + "x".repeat(100) + "%0D%0AX-Injected:1");
        assertTrue(e.getMessage().length() < 250, e.getMessage());
        CallerRequestRefused control = refused(FORM, "scope=ad%01min");
        assertTrue(control.getMessage().contains("'ad?min'"), control.getMessage());
    }
}
