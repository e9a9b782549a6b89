package dev.authloopback.loopback.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoopbackConfigurationTest {
    private static final String UPSTREAM = "http://127.0.0.1:9/token";

    private static LoopbackConfiguration read(Map<String, String> sys, Map<String, String> env,
                                              Map<String, String> init) {
        return LoopbackConfiguration.from(SettingsSources.of(sys, env, init));
    }

    private static Map<String, String> init(String... pairs) {
        Map<String, String> map = new HashMap<>();
        map.put("loopback.upstream-url", UPSTREAM);
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            map.put("loopback." + pairs[i], pairs[i + 1]);
        }
        return map;
    }

    @Test
    void defaultsFollowTheWriteUp() {
        LoopbackSettings s = read(Map.of(), Map.of(), init()).defaultProfile();
        assertEquals(Duration.ofHours(8), s.ttl());
        assertEquals(Duration.ofHours(8), s.tti());
        assertEquals(Duration.ofSeconds(60), s.expirySkew());
        assertEquals(java.util.Set.of("POST"), s.methods());
        assertEquals(65536, s.maxRequestBytes());
        assertEquals(8192, s.maxTokenLength());
        assertTrue(s.allowFrom().allows("127.0.0.1"));
        assertTrue(s.allowFrom().allows("::1"));
        assertFalse(s.allowFrom().allows("10.0.0.1"));
    }

    @Test
    void dpopIsOffByDefaultAndBadDpopSettingsNameTheSetting() {
        assertEquals(false, read(Map.of(), Map.of(), init()).defaultProfile().dpop().enabled());
        LoopbackSettings on = read(Map.of(), Map.of(), init("dpop", "true", "dpop-algs", "ES256, PS256",
                "dpop-proof-max-age", "30s")).defaultProfile();
        assertEquals(java.util.List.of("ES256", "PS256"), on.dpop().algorithms());
        assertEquals(Duration.ofSeconds(30), on.dpop().proofMaxAge());
        for (String[] bad : new String[][] {{"dpop", "yes"}, {"dpop-algs", "HS256"}, {"dpop-algs", "none"},
                {"dpop-proof-max-age", "0s"}, {"dpop-replay-memory", "-1"}}) {
            InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                    () -> read(Map.of(), Map.of(), init(bad[0], bad[1])));
            assertTrue(e.getMessage().contains("loopback." + bad[0] + "='" + bad[1] + "'"), e.getMessage());
        }
        InvalidSettingsException reserved = assertThrows(InvalidSettingsException.class,
                () -> read(Map.of(), Map.of(), init("profiles", "dpop", "dpop.upstream-url", "http://127.0.0.1/t")));
        assertTrue(reserved.getMessage().contains("'dpop'"), reserved.getMessage());
    }

    @Test
    void durationsAcceptEveryDocumentedForm() {
        for (String form : new String[] {"28800", "28800s", "480m", "8h", "PT8H"}) {
            assertEquals(Duration.ofHours(8), read(Map.of(), Map.of(), init("ttl", form)).defaultProfile().ttl(), form);
        }
        assertEquals(Duration.ofMillis(500),
                read(Map.of(), Map.of(), init("connect-timeout", "500ms")).defaultProfile().connectTimeout());
    }

    @Test
    void systemPropertiesBeatEnvironmentWhichBeatsInitParams() {
        Map<String, String> init = init("ttl", "1h", "tti", "1h", "expiry-skew", "1s");
        Map<String, String> env = Map.of("LOOPBACK_TTL", "2h", "LOOPBACK_TTI", "2h");
        Map<String, String> sys = Map.of("loopback.ttl", "3h");
        LoopbackSettings s = read(sys, env, init).defaultProfile();
        assertEquals(Duration.ofHours(3), s.ttl());
        assertEquals(Duration.ofHours(2), s.tti());
        assertEquals(Duration.ofSeconds(1), s.expirySkew());
    }

    @Test
    void namedProfilesInheritPlainKeysAndOverrideTheirOwn() {
        LoopbackConfiguration c = read(Map.of(), Map.of("LOOPBACK_PARTNER_TTL", "2h"),
                init("profiles", "partner", "partner.upstream-url", "https://127.0.0.1:8443/t", "tti", "5m"));
        LoopbackSettings partner = c.profiles().get("partner");
        assertEquals("https://127.0.0.1:8443/t", partner.upstreamUrl().toString());
        assertEquals(Duration.ofHours(2), partner.ttl());
        assertEquals(Duration.ofMinutes(5), partner.tti());
    }

    @ParameterizedTest(name = "{0}={1} is refused naming the setting")
    @CsvSource(delimiter = '|', value = {
            "upstream-url|ftp://127.0.0.1/token|scheme must be http or https",
            "upstream-url|http://|",
            "upstream-url|not a url|not a valid URL",
            "ttl|-5s|",
            "ttl|0|must be a positive duration",
            "ttl|eight hours|not a duration",
            "tti|0s|must be a positive duration",
            "expiry-skew|-1s|must not be negative",
            "refresh-ahead|1.5|fraction",
            "refresh-ahead|lots|not a number",
            "max-entries|0|greater than 0",
            "max-entries|many|not a whole number",
            "methods|FETCH|not one of",
            "max-request-bytes|huge|not a size",
            "max-token-length|0|greater than 0",
            "max-token-length|long|not a size",
            "allow-from|10.0.0.0/33|prefix length",
            "allow-from|example.com/8|not an IPv4 or IPv6 address literal",
            "key|service-{unknown:x}|unknown kind",
            "key|service-{form:scope|unclosed",
            "key-headers|Bad Header|not a valid HTTP header name",
            "connect-timeout|soon|not a duration",
            "key-headers|X-Tenant,Host|cannot be a key header",
            "request-body-timeout|0|positive duration",
            "request-body-timeout|slowly|not a duration"})
    void badSettingsAreRefusedWithTheirNameAndValue(String name, String value, String rule) {
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> read(Map.of(), Map.of(), init(name, value)));
        assertTrue(e.getMessage().contains("loopback." + name), e.getMessage());
        assertTrue(e.getMessage().contains(value), e.getMessage());
        if (rule != null) {
            assertTrue(e.getMessage().contains(rule), e.getMessage());
        }
    }

    @Test
    void anUnknownSettingIsNamedWithoutItsValueWhichMayBeAMisspeltSecret() {
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> read(Map.of(), Map.of(), init("upstreem-url", "http://127.0.0.1/x")));
        assertTrue(e.getMessage().contains("loopback.upstreem-url='<masked>'"), e.getMessage());
        assertTrue(e.getMessage().contains("unknown setting"), e.getMessage());
    }

    @Test
    void everyProblemIsListedAtOnceAndSecretsAreMasked() {
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> read(Map.of(), Map.of(),
                Map.of("loopback.ttl", "x", "loopback.shared-secret", "short", "loopback.max-entries", "-1")));
        assertEquals(4, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("loopback.upstream-url: required"), e.getMessage());
        assertTrue(e.getMessage().contains("loopback.shared-secret='<masked>'"), e.getMessage());
        assertFalse(e.getMessage().contains("short"), e.getMessage());
    }

    @Test
    void credentialsInAnUpstreamUrlAreRefusedWithoutBeingShown() {
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> read(Map.of(), Map.of(),
                Map.of("loopback.upstream-url", "https://client:hunter2-secret@127.0.0.1/token")));
        assertTrue(e.getMessage().contains("loopback.upstream-url='https://<masked>@127.0.0.1/token'"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void unknownJvmWideSystemPropertiesOnlyWarn() {
        LoopbackConfiguration c = read(Map.of("loopback.war", "/tmp/x.war"), Map.of(), init());
        assertEquals(1, c.profiles().size());
    }

    @Test
    void reservedOrMalformedProfileNamesAreRefused() {
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> read(Map.of(), Map.of(), init("profiles", "admin,Bad Name")));
        assertEquals(2, e.problems().size(), e.getMessage());
    }

    @Test
    void withoutClusterUriThereIsNoClusteredTier() {
        assertTrue(read(Map.of(), Map.of(), init()).cluster().isEmpty());
    }

    @Test
    void clusterSettingsHaveDefaultsAndAcceptEveryDocumentedForm() {
        ClusterSettings c = read(Map.of(), Map.of(), init("cluster-uri", "terracotta://127.0.0.1:9410/auth-loopback",
                "cluster-unsealed", "true")).cluster().orElseThrow();
        assertTrue(c.unsealed());
        assertEquals("terracotta://127.0.0.1:9410/auth-loopback", c.uri().toString());
        assertEquals("main", c.resource());
        assertEquals(64L * 1024 * 1024, c.poolBytes());
        assertEquals(Duration.ofSeconds(1), c.readTimeout());
        assertEquals(Duration.ofSeconds(5), c.retryInterval());
        ClusterSettings set = read(Map.of(), Map.of(), init("cluster-uri", "terracotta://a:9410,b:9510/tokens",
                "cluster-resource", "primary-server-resource", "cluster-pool-size", "1GiB",
                "cluster-read-timeout", "250ms", "cluster-write-timeout", "PT0.5S", "cluster-connection-timeout", "3s",
                "cluster-retry-interval", "2s", "cluster-key-file", keyFile().toString())).cluster().orElseThrow();
        assertEquals(keyFile(), set.keyFile());
        assertFalse(set.unsealed());
        assertEquals("primary-server-resource", set.resource());
        assertEquals(1024L * 1024 * 1024, set.poolBytes());
        assertEquals(Duration.ofMillis(250), set.readTimeout());
        assertEquals(Duration.ofMillis(500), set.writeTimeout());
        assertEquals(Duration.ofSeconds(3), set.connectionTimeout());
        assertEquals(Duration.ofSeconds(2), set.retryInterval());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "cluster-uri|http://127.0.0.1:9410/auth-loopback|scheme must be terracotta",
            "cluster-uri|terracotta://127.0.0.1/auth-loopback|has no port",
            "cluster-uri|terracotta://127.0.0.1:99999/auth-loopback|no valid port",
            "cluster-uri|terracotta://127.0.0.1:9410|entity",
            "cluster-uri|terracotta://127.0.0.1:9410/a/b|entity",
            "cluster-uri|terracotta://u:p@127.0.0.1:9410/x|only servers",
            "cluster-pool-size|512k|at least 1MiB",
            "cluster-pool-size|1537k|whole MiB",
            "cluster-read-timeout|0s|positive",
            "cluster-retry-interval|soon|'soon'",
            "cluster-resource|main pool|offheap resource name"})
    void badClusterSettingsFailStartUpNamingTheSetting(String setting, String value, String why) {
        Map<String, String> init = init("cluster-uri", "terracotta://127.0.0.1:9410/auth-loopback",
                "cluster-unsealed", "true");
        init.put("loopback." + setting, value);
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> read(Map.of(), Map.of(), init));
        assertTrue(e.getMessage().contains("loopback." + setting + "="), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void aClusterWithoutAKeyFailsNamingTheSettingAndTheCommandThatMakesOne() {
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> read(Map.of(), Map.of(),
                init("cluster-uri", "terracotta://127.0.0.1:9410/auth-loopback")));
        assertTrue(e.getMessage().contains("loopback.cluster-key-file: required with loopback.cluster-uri"),
                e.getMessage());
        assertTrue(e.getMessage().contains("openssl rand -base64 32") && e.getMessage().contains(
                "loopback.cluster-unsealed=true"), e.getMessage());
    }

    @Test
    void aKeyFileThatCannotBeUsedFailsStartUpAndSoDoesAKeyWithUnsealed() throws java.io.IOException {
        java.nio.file.Path open = keyFile();
        java.nio.file.Files.setPosixFilePermissions(open,
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> read(Map.of(), Map.of(),
                init("cluster-uri", "terracotta://127.0.0.1:9410/x", "cluster-key-file", open.toString())));
        assertTrue(e.getMessage().contains("loopback.cluster-key-file='" + open + "': readable or writable by group"),
                e.getMessage());
        e = assertThrows(InvalidSettingsException.class, () -> read(Map.of(), Map.of(),
                init("cluster-uri", "terracotta://127.0.0.1:9410/x", "cluster-key-file", keyFile().toString(),
                        "cluster-unsealed", "true")));
        assertTrue(e.getMessage().contains("set together with loopback.cluster-unsealed=true"), e.getMessage());
        e = assertThrows(InvalidSettingsException.class, () -> read(Map.of(), Map.of(),
                init("cluster-key-file", keyFile().toString())));
        assertTrue(e.getMessage().contains("loopback.cluster-key-file='" + keyFile() + "': only meaningful with"),
                e.getMessage());
    }

    /** A good key file, owner-only. */
    private java.nio.file.Path keyFile() {
        java.nio.file.Path file = keyDir.resolve("cluster.keys");
        try {
            if (!java.nio.file.Files.exists(file)) {
                java.nio.file.Files.writeString(file, "k1 " + java.util.Base64.getEncoder().encodeToString(new byte[32])
                        + " seal\n");
            }
            java.nio.file.Files.setPosixFilePermissions(file,
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return file;
    }

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path keyDir;

    @Test
    void clusterTimeoutsWithoutAClusterAreAHalfDoneConfiguration() {
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> read(Map.of(), Map.of(), init("cluster-read-timeout", "1s")));
        assertTrue(e.getMessage().contains("loopback.cluster-read-timeout='1s': only meaningful with loopback.cluster-uri"),
                e.getMessage());
    }

    @Test
    void theClusterIsSharedByEveryProfileNeverSetPerProfile() {
        Map<String, String> init = init("profiles", "billing", "cluster-uri", "terracotta://127.0.0.1:9410/x",
                "cluster-unsealed", "true");
        init.put("loopback.billing.cluster-uri", "terracotta://127.0.0.1:9411/y");
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> read(Map.of(), Map.of(), init));
        assertTrue(e.getMessage().contains("loopback.billing.cluster-uri (context init-param): the clustered tier is"
                + " shared by every profile"), e.getMessage());
    }

    @Test
    void theAdminSecretDefaultsToTheSharedSecretUnlessSetItself() {
        String shared = "shared-secret-0123456789";
        String admin = "admin-secret-0123456789";
        assertEquals(null, read(Map.of(), Map.of(), init()).defaultProfile().adminSecret());
        assertEquals(shared, read(Map.of(), Map.of(), init("shared-secret", shared)).defaultProfile().adminSecret());
        assertEquals(admin, read(Map.of(), Map.of(), init("shared-secret", shared, "admin-secret", admin))
                .defaultProfile().adminSecret());
        String line = read(Map.of(), Map.of(), init("shared-secret", shared)).defaultProfile().describe();
        assertTrue(line.contains("admin-secret=<masked>") && !line.contains(shared), line);
    }

    @Test
    void evictAllIntervalIsWebAppWideTenSecondsByDefaultAndValidated() {
        assertEquals(Duration.ofSeconds(10), read(Map.of(), Map.of(), init()).evictAllInterval());
        assertEquals(Duration.ofMinutes(1), read(Map.of(), Map.of(), init("evict-all-interval", "1m")).evictAllInterval());
        assertEquals(Duration.ZERO, read(Map.of(), Map.of(), init("evict-all-interval", "0")).evictAllInterval());
        InvalidSettingsException bad = assertThrows(InvalidSettingsException.class,
                () -> read(Map.of(), Map.of(), init("evict-all-interval", "soon")));
        assertTrue(bad.getMessage().contains("loopback.evict-all-interval='soon'"), bad.getMessage());
        Map<String, String> perProfile = init("profiles", "billing");
        perProfile.put("loopback.billing.evict-all-interval", "1s");
        InvalidSettingsException refused = assertThrows(InvalidSettingsException.class,
                () -> read(Map.of(), Map.of(), perProfile));
        assertTrue(refused.getMessage().contains("loopback.billing.evict-all-interval"), refused.getMessage());
    }

    @Test
    void oneMemoryBudgetPerWebAppWithDefaultsThatFitASmallHeap() {
        LoopbackConfiguration configuration = read(Map.of(), Map.of(), init());
        assertEquals(16L << 20, configuration.memory().maxCacheBytes());
        assertEquals(16L << 20, configuration.memory().maxBytesInFlight());
        assertEquals(64 * 1024, configuration.defaultProfile().maxResponseBytes());

        MemorySettings set = read(Map.of(), Map.of(), init("max-cache-bytes", "64MiB", "max-bytes-in-flight", "8m"))
                .memory();
        assertEquals(64L << 20, set.maxCacheBytes());
        assertEquals(8L << 20, set.maxBytesInFlight());
    }

    @Test
    void aCacheBudgetBelowTheLargestEntryOfAProfileFailsStartUpNamingBothSettings() {
        Map<String, String> init = init("profiles", "big", "max-cache-bytes", "1MiB");
        init.put("loopback.big.max-response-bytes", "1MiB");
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> read(Map.of(), Map.of(), init));
        assertTrue(e.getMessage().contains("loopback.max-cache-bytes='1MiB': smaller than the largest entry profile"
                + " 'big' may store (max-response-bytes=1048576"), e.getMessage());
        assertFalse(e.getMessage().contains("profile 'default'"), "64 KiB answers fit in 1 MiB: " + e.getMessage());
    }

    @Test
    void exchangeProfilesHaveABudgetOfTheirOwnCheckedAgainstTheirLargestEntryOnly() {
        Map<String, String> init = init("profiles", "obo", "max-cache-bytes", "1MiB",
                "max-exchange-cache-bytes", "64KiB");
        init.put("loopback.obo.client-auth", "client_secret_basic");
        init.put("loopback.obo.client-id", "orders-app");
        init.put("loopback.obo.client-secret", "orders-s3cret");
        init.put("loopback.obo.shared-secret", "caller-s3cret-4e7a-9b1c");
        init.put("loopback.obo.grant-type", "urn:ietf:params:oauth:grant-type:token-exchange");
        init.put("loopback.obo.subject-issuer", "https://idp.example/realms/demo");
        init.put("loopback.obo.subject-audience", "orders-app");
        init.put("loopback.obo.subject-jwks-url", "https://idp.example/realms/demo/certs");
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> read(Map.of(), Map.of(), init));
        assertTrue(e.getMessage().contains("loopback.max-exchange-cache-bytes='64KiB': smaller than the largest entry"
                + " profile 'obo' may store"), e.getMessage());
        assertFalse(e.getMessage().contains("loopback.max-cache-bytes="), "1 MiB holds the default profile: " + e.getMessage());

        init.put("loopback.max-exchange-cache-bytes", "2MiB");
        MemorySettings memory = read(Map.of(), Map.of(), init).memory();
        assertEquals(1L << 20, memory.maxCacheBytes());
        assertEquals(2L << 20, memory.maxExchangeCacheBytes());
        assertEquals(8L << 20, read(Map.of(), Map.of(), init()).memory().maxExchangeCacheBytes());
    }

    @Test
    void anExchangeBudgetPerProfileIsRefusedNamingTheWebAppSetting() {
        Map<String, String> init = init("profiles", "billing");
        init.put("loopback.billing.max-exchange-cache-bytes", "1MiB");
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> read(Map.of(), Map.of(), init));
        assertTrue(e.getMessage().contains("set loopback.max-exchange-cache-bytes instead"), e.getMessage());
    }

    @Test
    void aCapInFlightBelowOneTransferFailsStartUp() {
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> read(Map.of(), Map.of(), init("max-bytes-in-flight", "32KiB")));
        assertTrue(e.getMessage().contains("loopback.max-bytes-in-flight='32KiB': smaller than one transfer of profile"
                + " 'default' (max-response-bytes=65536, max-request-bytes=65536)"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "max-cache-bytes|lots|not a size",
            "max-cache-bytes|0|greater than 0",
            "max-bytes-in-flight|-1|not a size"})
    void badMemorySettingsFailStartUpNamingTheSetting(String setting, String value, String why) {
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class,
                () -> read(Map.of(), Map.of(), init(setting, value)));
        assertTrue(e.getMessage().contains("loopback." + setting + "='" + value + "': "), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void theMemoryBudgetIsSharedByEveryProfileNeverSetPerProfile() {
        Map<String, String> init = init("profiles", "billing");
        init.put("loopback.billing.max-cache-bytes", "1GiB");
        InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> read(Map.of(), Map.of(), init));
        assertTrue(e.getMessage().contains("loopback.billing.max-cache-bytes (context init-param): one memory budget is"
                + " shared by every profile of the web app; set loopback.max-cache-bytes instead"), e.getMessage());
    }
}
