package dev.authloopback.loopback.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Issue 20: owning profiles authenticate their callers unless the operator opts out, grant no more
 * than their ceilings, and web-app-wide settings cannot be written per profile.
 */
class LeastPrivilegeSettingsTest {
    private static final String CLIENT_SECRET = "client-5ecret-never-shown";
    private static final String CALLER_SECRET = "caller-5ecret-never-shown";
    private static final String ADMIN_SECRET = "admin-5ecret-never-shown";

    private static Map<String, String> owning(String... pairs) {
        Map<String, String> init = new HashMap<>(Map.of("loopback.upstream-url", "https://127.0.0.1:9/token",
                "loopback.client-auth", "client_secret_basic", "loopback.client-id", "app",
                "loopback.client-secret", CLIENT_SECRET));
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            init.put("loopback." + pairs[i], pairs[i + 1]);
        }
        return init;
    }

    private static LoopbackConfiguration read(Map<String, String> init) {
        return LoopbackConfiguration.from(SettingsSources.of(Map.of(), Map.of(), init));
    }

    private static String problem(Map<String, String> sys, Map<String, String> env, Map<String, String> init) {
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> LoopbackConfiguration.from(SettingsSources.of(sys, env, init)));
        for (String secret : new String[] {CLIENT_SECRET, CALLER_SECRET, ADMIN_SECRET}) {
            assertFalse(e.getMessage().contains(secret), () -> "secret echoed: " + e.getMessage());
        }
        return e.getMessage();
    }

    private static String problem(Map<String, String> init) {
        return problem(Map.of(), Map.of(), init);
    }

    @Test
    void anOwningProfileWithoutACallerSecretFailsNamingTheSetting() {
        String message = problem(owning());
        assertTrue(message.contains("(1 problem)"), message);
        assertTrue(message.contains("loopback.shared-secret: required with client-auth=client_secret_basic"), message);
        assertTrue(message.contains("loopback.caller-auth=none"), "names the opt-out: " + message);
    }

    @Test
    void aNamedOwningProfileIsNamedByItsOwnKey() {
        Map<String, String> init = new HashMap<>(Map.of("loopback.upstream-url", "https://127.0.0.1:9/token",
                "loopback.profiles", "orders", "loopback.orders.client-auth", "private_key_jwt",
                "loopback.orders.client-id", "app", "loopback.orders.client-key-file", "/no/such/key.pem"));
        String message = problem(init);
        assertTrue(message.contains("loopback.orders.shared-secret: required with client-auth=private_key_jwt"),
                message);
        assertFalse(message.contains("loopback.shared-secret:"), "the transparent default profile needs none: " + message);
    }

    @Test
    void aCallerSecretOrAnExplicitOptOutDeploys() {
        LoopbackSettings withSecret = read(owning("shared-secret", CALLER_SECRET)).defaultProfile();
        assertEquals(CALLER_SECRET, withSecret.sharedSecret());
        assertFalse(withSecret.ownsTokensForAnyCaller());
        assertTrue(withSecret.describe().contains("caller-auth=shared-secret"), withSecret.describe());
        LoopbackSettings optedOut = read(owning("caller-auth", "none")).defaultProfile();
        assertNull(optedOut.sharedSecret());
        assertTrue(optedOut.ownsTokensForAnyCaller());
        assertTrue(optedOut.describe().contains("caller-auth=none"), optedOut.describe());
    }

    @Test
    void callerAuthNoneWithASecretIsAContradiction() {
        String message = problem(owning("caller-auth", "none", "shared-secret", CALLER_SECRET));
        assertTrue(message.contains("loopback.caller-auth=none contradicts loopback.shared-secret='<masked>'"), message);
        assertTrue(problem(owning("caller-auth", "sometimes")).contains("loopback.caller-auth='sometimes': must be"
                + " shared-secret or none"));
    }

    @Test
    void aTooShortCallerSecretIsNamedOnceForWhatIsWrongWithIt() {
        String message = problem(owning("shared-secret", "short"));
        assertTrue(message.contains("(1 problem)"), message);
        assertTrue(message.contains("loopback.shared-secret='<masked>': must be at least 16 characters"), message);
    }

    @Test
    void transparentProfilesNeedNoCallerSecretUnlessAsked() {
        Map<String, String> init = new HashMap<>(Map.of("loopback.upstream-url", "https://127.0.0.1:9/token"));
        assertNull(read(init).defaultProfile().sharedSecret());
        init.put("loopback.caller-auth", "shared-secret");
        assertTrue(problem(init).contains("loopback.shared-secret: required with loopback.caller-auth=shared-secret"));
    }

    @Test
    void ceilingsDefaultToTheProfilesOwnValues() {
        var clientAuth = read(owning("shared-secret", CALLER_SECRET, "scope", "orders.read  orders.write",
                "resource", "https://api.example/orders", "audience", "orders-api")).defaultProfile().clientAuth();
        assertEquals(Set.of("orders.read", "orders.write"), clientAuth.allowedScopes());
        assertEquals(Set.of("https://api.example/orders"), clientAuth.allowedResources());
        assertEquals(Set.of("orders-api"), clientAuth.allowedAudiences());
        var none = read(owning("shared-secret", CALLER_SECRET)).defaultProfile().clientAuth();
        assertEquals(Set.of(), none.allowedScopes(), "no scope configured: a caller may ask for none");
    }

    @Test
    void explicitCeilingsAreReadAndShown() {
        LoopbackSettings s = read(owning("shared-secret", CALLER_SECRET, "scope", "a", "allowed-scopes", "a b c",
                "allowed-resources", "https://x.example/, urn:y", "allowed-audiences", "aud-1,aud-2"))
                .defaultProfile();
        assertEquals(Set.of("a", "b", "c"), s.clientAuth().allowedScopes());
        assertEquals(Set.of("https://x.example/", "urn:y"), s.clientAuth().allowedResources());
        assertEquals(Set.of("aud-1", "aud-2"), s.clientAuth().allowedAudiences());
        assertTrue(s.describe().contains("allowed-scopes=a b c"), s.describe());
    }

    @Test
    void theProfilesDefaultsMustLieWithinItsCeilings() {
        String message = problem(owning("shared-secret", CALLER_SECRET, "scope", "a z", "allowed-scopes", "a b"));
        assertTrue(message.contains("loopback.scope: [z] not within loopback.allowed-scopes"), message);
        assertTrue(problem(owning("shared-secret", CALLER_SECRET, "allowed-resources", "https://x.example/#f"))
                .contains("loopback.allowed-resources='https://x.example/#f': 'https://x.example/#f' must be an"
                        + " absolute URI without a fragment"));
        assertTrue(problem(owning("shared-secret", CALLER_SECRET, "allowed-scopes", "a \"b\""))
                .contains("'\"b\"' is not a scope word"));
    }

    @Test
    void ceilingsInTransparentModeAreNamedAsUnused() {
        String message = problem(Map.of(), Map.of(), Map.of("loopback.upstream-url", "https://127.0.0.1:9/token",
                "loopback.allowed-scopes", "a"));
        assertTrue(message.contains("loopback.allowed-scopes=(set): not used with client-auth=none"), message);
    }

    @Test
    void webAppWideSettingsPerProfileFailWithOneMessageNamingThemAll() {
        Map<String, String> init = new HashMap<>(Map.of("loopback.upstream-url", "https://127.0.0.1:9/token",
                "loopback.profiles", "partner", "loopback.partner.admin-secret", ADMIN_SECRET,
                "loopback.partner.admin-allow-from", "10.0.0.0/8"));
        String message = problem(Map.of("loopback.partner.token-port", "8082"),
                Map.of("LOOPBACK_PARTNER_CLUSTER_URI", "terracotta://127.0.0.1:9410/x"), init);
        assertTrue(message.contains("(1 problem)"), message);
        assertTrue(message.contains("web-app-wide settings set per profile"), message);
        for (String named : new String[] {"loopback.partner.admin-secret (context init-param)",
                "loopback.partner.admin-allow-from (context init-param)", "loopback.partner.token-port (system property)",
                "LOOPBACK_PARTNER_CLUSTER_URI (environment)", "set loopback.admin-secret instead"}) {
            assertTrue(message.contains(named), named + " in " + message);
        }
    }

    @Test
    void plainWebAppWideSettingsStillApplyToEveryProfile() {
        Map<String, String> init = new HashMap<>(Map.of("loopback.upstream-url", "https://127.0.0.1:9/token",
                "loopback.profiles", "partner", "loopback.admin-secret", ADMIN_SECRET, "loopback.token-port", "8082"));
        LoopbackConfiguration configuration = read(init);
        assertEquals(ADMIN_SECRET, configuration.defaultProfile().adminSecret());
        assertEquals(8082, configuration.profiles().get("partner").tokenPort());
    }
}
