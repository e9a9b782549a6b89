package dev.authloopback.loopback.cache;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 6750 §2.1 b64token, the length limit and token_type, rule by rule. */
class TokenSyntaxTest {
    private static final long LIMIT = 8192;

    @ParameterizedTest(name = "''{0}'' is a b64token")
    @ValueSource(strings = {"a", "Z", "0", "-", ".", "_", "~", "+", "/", "abc=", "abc==", "a=====",
            "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "tok-AbC_123~x+y/z", "YWRtaW46YWRtaW4="})
    void wellFormedTokensPass(String token) {
        assertTrue(TokenSyntax.isB64token(token), token);
        assertNull(TokenSyntax.problemWith(token, LIMIT), token);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"abc\r", "abc\rX-Injected: 1", "abc\nX-Injected: 1", "abc\r\n X-Folded: 1", "ab\u0000c",
            "abc\u00e9", "abc\u2028", "a, Basic YWRtaW46YWRtaW4=", "a b", "abc\t", "\"abc\"", "a;b", "a:b", "a\\b",
            "a%0d%0a", "=", "==", "=abc", "ab=c", "ab==c", "abc= ", " abc", "abc ", "abc\u007f", "a\ud83d\ude00"})
    void anythingElseIsRefusedNamingTheRuleNotTheToken(String token) {
        assertFalse(TokenSyntax.isB64token(token), token);
        String problem = TokenSyntax.problemWith(token, LIMIT);
        assertNotNull(problem, token);
        assertTrue(problem.contains("b64token"), problem);
        if (token.length() > 2) {
            assertFalse(problem.contains(token), problem);
        }
        assertFalse(problem.contains("X-Injected") || problem.contains("YWRtaW4") || problem.contains("Basic"), problem);
        assertFalse(problem.chars().anyMatch(c -> c < 0x20 || c > 0x7e), "the detail itself is printable ASCII: " + problem);
    }

    @Test
    void theDetailSaysWhatKindOfCharacterBrokeTheRule() {
        assertTrue(TokenSyntax.problemWith("abc\rdef", LIMIT).contains("a control character (U+000D) at position 4 of 7"));
        assertTrue(TokenSyntax.problemWith("ab\u0000", LIMIT).contains("U+0000"));
        assertTrue(TokenSyntax.problemWith("a b", LIMIT).contains("a space"));
        assertTrue(TokenSyntax.problemWith("a\u00e9", LIMIT).contains("a non-ASCII character (U+00E9)"));
        assertTrue(TokenSyntax.problemWith("a,b", LIMIT).contains("','"));
        assertTrue(TokenSyntax.problemWith("ab=c", LIMIT).contains("after '=' padding"));
        assertTrue(TokenSyntax.problemWith("=ab", LIMIT).contains("'=' padding with nothing before it"));
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"", " ", "   ", "\t", "\r\n", " \n "})
    void emptyOrOnlyWhiteSpaceIsRefusedAsEmpty(String token) {
        String problem = TokenSyntax.problemWith(token, LIMIT);
        assertNotNull(problem);
        assertTrue(problem.contains("empty"), problem);
    }

    @Test
    void exactlyAtTheLimitPassesOneOverIsRefusedForItsLength() {
        assertNull(TokenSyntax.problemWith("a".repeat(8192), LIMIT));
        assertNull(TokenSyntax.problemWith("a".repeat(8190) + "==", LIMIT), "padding counts, and fits");
        String over = TokenSyntax.problemWith("a".repeat(8193), LIMIT);
        assertNotNull(over);
        assertTrue(over.contains("8193 characters long, over max-token-length=8192"), over);
        String megabyte = TokenSyntax.problemWith("\r".repeat(1_000_000), LIMIT);
        assertTrue(megabyte.contains("over max-token-length"), "length is checked first: " + megabyte);
        assertNull(TokenSyntax.problemWith("abc", 3));
        assertNotNull(TokenSyntax.problemWith("abcd", 3));
    }

    @ParameterizedTest(name = "token_type {0}")
    @ValueSource(strings = {"Bearer", "bearer", "BEARER", "bEaReR"})
    void bearerInAnyCaseIsFine(String type) {
        assertNull(TokenSyntax.tokenTypeProblem(type));
        assertNull(TokenSyntax.tokenTypeProblem(null), "absent");
    }

    @Test
    void otherTypesAreRefusedAndNamedOnlyWhenShortAndPrintable() {
        assertTrue(TokenSyntax.tokenTypeProblem("DPoP").contains("token_type 'DPoP' is not supported"));
        assertTrue(TokenSyntax.tokenTypeProblem("mac").contains("'mac'"));
        assertTrue(TokenSyntax.tokenTypeProblem("N_A").contains("'N_A'"));
        assertTrue(TokenSyntax.tokenTypeProblem("").contains("not shown"));
        assertTrue(TokenSyntax.tokenTypeProblem("Bearer ").contains("not shown"));
        String injected = TokenSyntax.tokenTypeProblem("Bearer\r\nX-Injected: 1");
        assertFalse(injected.contains("X-Injected"), injected);
        String long_ = TokenSyntax.tokenTypeProblem("x".repeat(33));
        assertFalse(long_.contains("xxxx"), long_);
    }
}
