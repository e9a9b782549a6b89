package dev.authloopback.filter.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.filter.BearerTokenFilter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20: an owning loopback profile wants a caller secret; the filter sends it from a file the
 * server's user alone can read, so it is neither in web.xml nor in the environment of every process.
 */
class TokenSecretFileTest {
    private static final String SECRET = "caller-5ecret-from-a-file";

    @TempDir
    Path dir;

    private final Placeholders placeholders = new Placeholders(name -> null,
            name -> "secrets.dir".equals(name) ? dir.toString() : null);

    @Test
    void theSecretIsSentInTheLoopbacksDefaultHeaderWithoutItsLineBreak() throws Exception {
        Files.writeString(dir.resolve("loopback-secret"), SECRET + "\r\n");
        FilterSettings settings = FilterSettings.from(Map.of(BearerTokenFilter.TOKEN_SECRET_FILE_PARAM,
                "${sys:secrets.dir}/loopback-secret", BearerTokenFilter.TOKEN_HEADERS_PARAM, "X-Tenant: a"), placeholders);
        assertEquals(List.of(Map.entry("X-Tenant", "a"), Map.entry("X-Loopback-Secret", SECRET)), settings.tokenHeaders());
        assertFalse(settings.toString().contains(SECRET), settings.toString());
        assertTrue(settings.toString().contains("token-secret-file=" + dir.resolve("loopback-secret")), settings.toString());
    }

    @Test
    void theHeaderFollowsTheLoopbacksSharedSecretHeader() throws Exception {
        Path file = Files.writeString(dir.resolve("s"), SECRET);
        FilterSettings settings = FilterSettings.from(Map.of(BearerTokenFilter.TOKEN_SECRET_FILE_PARAM, file.toString(),
                BearerTokenFilter.TOKEN_SECRET_HEADER_PARAM, "X-Caller-Secret"), placeholders);
        assertEquals(List.of(Map.entry("X-Caller-Secret", SECRET)), settings.tokenHeaders());
    }

    @Test
    void aMissingEmptyOrMultiLineFileFailsInitNamingTheParamAndPathNeverTheContent() throws Exception {
        Path missing = dir.resolve("no-such-secret");
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        Path twoLines = Files.writeString(dir.resolve("two-lines"), SECRET + "\nX-Injected: 1\n");
        for (Path file : List.of(missing, empty, twoLines)) {
            InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () -> FilterSettings.from(
                    Map.of(BearerTokenFilter.TOKEN_SECRET_FILE_PARAM, file.toString()), placeholders));
            assertTrue(e.getMessage().contains("token-secret-file: '" + file + "'"), e.getMessage());
            assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        }
    }

    @Test
    void theSameHeaderTwiceOrAHeaderWithoutAFileIsAMistake() throws Exception {
        Path file = Files.writeString(dir.resolve("s"), SECRET);
        InvalidSettingsException twice = assertThrows(InvalidSettingsException.class, () -> FilterSettings.from(
                Map.of(BearerTokenFilter.TOKEN_SECRET_FILE_PARAM, file.toString(),
                        BearerTokenFilter.TOKEN_HEADERS_PARAM, "x-loopback-secret: ${sys:secrets.dir}"), placeholders));
        assertTrue(twice.getMessage().contains("set it once"), twice.getMessage());
        InvalidSettingsException alone = assertThrows(InvalidSettingsException.class, () -> FilterSettings.from(
                Map.of(BearerTokenFilter.TOKEN_SECRET_HEADER_PARAM, "X-Caller-Secret"), placeholders));
        assertTrue(alone.getMessage().contains("only used with token-secret-file"), alone.getMessage());
    }
}
