package dev.authloopback.it.support;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.authloopback.testsupport.keycloak.LoopbackRealm;
import java.net.URI;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The realm template is filled completely, stays JSON, and carries what Keycloak needs to find each key. */
class LoopbackRealmTest {
    private final ObjectMapper json = new ObjectMapper();

    private JsonNode client(JsonNode realm, String clientId) {
        for (JsonNode client : realm.path("clients")) {
            if (clientId.equals(client.path("clientId").asText())) {
                return client;
            }
        }
        throw new AssertionError("no client " + clientId + " in the realm");
    }

    @Test
    void everyPlaceholderIsFilledAndTheSecretsAreTheConstants() throws Exception {
        String filled = LoopbackRealm.create().json();
        JsonNode realm = json.readTree(filled);
        assertAll(
                () -> assertFalse(filled.contains("{{"), filled),
                () -> assertEquals(LoopbackRealm.NAME, realm.path("realm").asText()),
                () -> assertEquals(LoopbackRealm.BASIC_SECRET, client(realm, LoopbackRealm.BASIC_CLIENT).path("secret").asText()),
                () -> assertEquals(LoopbackRealm.SECRET_JWT_SECRET,
                        client(realm, LoopbackRealm.SECRET_JWT_CLIENT).path("secret").asText()),
                () -> assertEquals(LoopbackRealm.SPIFFE_ID, client(realm, LoopbackRealm.SPIFFE_CLIENT)
                        .path("attributes").path("jwt.credential.sub").asText()),
                () -> assertEquals(true, LoopbackRealm.SECRET_JWT_SECRET.length() >= 32, "HS256 needs 32+ bytes"));
    }

    @Test
    void aJwksMadeFromAnEcKeyIsMarkedForSignaturesWithBothCoordinatesAt32Bytes() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        ECPublicKey key = (ECPublicKey) generator.generateKeyPair().getPublic();
        JsonNode realm = json.readTree(LoopbackRealm.create().withJwks(key, "k-1")
                .withSpiffeBundleEndpoint(URI.create("http://127.0.0.1:1234/bundle")).json());
        JsonNode attributes = client(realm, LoopbackRealm.JWT_JWKS_CLIENT).path("attributes");
        JsonNode jwk = json.readTree(attributes.path("jwks.string").asText()).path("keys").get(0);
        assertAll(
                () -> assertEquals("true", attributes.path("use.jwks.string").asText()),
                () -> assertEquals("sig", jwk.path("use").asText(), jwk.toString()),
                () -> assertEquals("k-1", jwk.path("kid").asText(), jwk.toString()),
                () -> assertEquals(32, Base64.getUrlDecoder().decode(jwk.path("x").asText()).length, jwk.toString()),
                () -> assertEquals(32, Base64.getUrlDecoder().decode(jwk.path("y").asText()).length, jwk.toString()),
                () -> assertEquals("http://127.0.0.1:1234/bundle",
                        realm.path("identityProviders").get(0).path("config").path("bundleEndpoint").asText()));
    }
}
