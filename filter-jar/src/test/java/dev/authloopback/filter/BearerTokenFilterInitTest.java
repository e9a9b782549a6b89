package dev.authloopback.filter;

import static dev.authloopback.filter.BearerTokenFilter.ATTRIBUTE_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.CONNECT_TIMEOUT_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.EVICT_ON_401_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.HEADER_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.HEADER_VALUE_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.LOCAL_TTL_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.ON_FAILURE_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.READ_TIMEOUT_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_BODY_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_CONTENT_TYPE_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_HEADERS_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_METHOD_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_PATH_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_SOURCE_ATTRIBUTE;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_URL_PARAM;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BearerTokenFilterInitTest {

    private static final String MISSING_VAR = "AUTHLOOPBACK_SURELY_UNSET_VARIABLE_4711";

    static Stream<Arguments> badParams() {
        return Stream.of(
                Arguments.of(TOKEN_URL_PARAM, "ftp://localhost/loopback"),
                Arguments.of(TOKEN_URL_PARAM, "not a url"),
                Arguments.of(TOKEN_URL_PARAM, "/loopback"),
                Arguments.of(TOKEN_METHOD_PARAM, "PO ST"),
                Arguments.of(TOKEN_CONTENT_TYPE_PARAM, "json"),
                Arguments.of(TOKEN_PATH_PARAM, "$.["),
                Arguments.of(TOKEN_PATH_PARAM, "$..access_token"),
                Arguments.of(HEADER_PARAM, "Bad Header"),
                Arguments.of(HEADER_VALUE_PARAM, "Bearer token"),
                Arguments.of(HEADER_VALUE_PARAM, "Bearer {token}?X-Nul"),
                Arguments.of(BearerTokenFilter.MAX_TOKEN_LENGTH_PARAM, "0"),
                Arguments.of(BearerTokenFilter.MAX_TOKEN_LENGTH_PARAM, "8KiB"),
                Arguments.of(CONNECT_TIMEOUT_PARAM, "fast"),
                Arguments.of(CONNECT_TIMEOUT_PARAM, "0"),
                Arguments.of(CONNECT_TIMEOUT_PARAM, "-PT1S"),
                Arguments.of(READ_TIMEOUT_PARAM, "10 parsecs"),
                Arguments.of(ON_FAILURE_PARAM, "ignore"),
                Arguments.of(EVICT_ON_401_PARAM, "yes"),
                Arguments.of(LOCAL_TTL_PARAM, "-PT5S"),
                Arguments.of(LOCAL_TTL_PARAM, "5 minutes"));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("badParams")
    void initFailsNamingTheParamAndTheValue(String param, String value) {
        // A control character in header-value is shown as '?': the message never carries it.
        String sent = value.replace("?X-Nul", "\u0000X-Nul");
        ServletException e = assertThrows(ServletException.class, () -> init(Map.of(param, sent)));

        assertTrue(e.getMessage().contains(param + ":"), e.getMessage());
        assertTrue(e.getMessage().contains(value), e.getMessage());
    }

    @Test
    void unknownParamIsLikelyATypoAndFailsWithoutEchoingItsValue() {
        ServletException e = assertThrows(ServletException.class,
                () -> init(Map.of("token-bdy", "client_secret=hunter2")));

        assertTrue(e.getMessage().contains("token-bdy: unknown init-param"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), "a misspelt token-body may hold a secret: " + e.getMessage());
    }

    @Test
    void missingEnvVariableInTokenBodyNamesParamAndVariableButNotTheBody() {
        ServletException e = assertThrows(ServletException.class,
                () -> init(Map.of(TOKEN_BODY_PARAM, "client_secret=hunter2&x=${env:" + MISSING_VAR + "}")));

        assertTrue(e.getMessage().contains(TOKEN_BODY_PARAM + ":"), e.getMessage());
        assertTrue(e.getMessage().contains("${env:" + MISSING_VAR + "} is not set"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void missingSysPropertyInTokenHeadersNamesParamAndProperty() {
        ServletException e = assertThrows(ServletException.class,
                () -> init(Map.of(TOKEN_HEADERS_PARAM, "Authorization: Basic ${sys:authloopback.unset.property}")));

        assertTrue(e.getMessage().contains(TOKEN_HEADERS_PARAM + ":"), e.getMessage());
        assertTrue(e.getMessage().contains("${sys:authloopback.unset.property} is not set"), e.getMessage());
    }

    @Test
    void malformedTokenHeaderEntryIsReportedWithoutItsValue() {
        ServletException e = assertThrows(ServletException.class,
                () -> init(Map.of(TOKEN_HEADERS_PARAM, "X-Ok: fine|Authorization Basic c2VjcmV0")));

        assertTrue(e.getMessage().contains(TOKEN_HEADERS_PARAM + ": <masked> entry 2"), e.getMessage());
        assertFalse(e.getMessage().contains("c2VjcmV0"), e.getMessage());
    }

    @Test
    void headersTheHttpClientOwnsAreRefused() {
        ServletException e = assertThrows(ServletException.class,
                () -> init(Map.of(TOKEN_HEADERS_PARAM, "Host: example.org")));

        assertTrue(e.getMessage().contains(TOKEN_HEADERS_PARAM + ": 'Host'"), e.getMessage());
    }

    @Test
    void unknownPlaceholderKindIsRefused() {
        ServletException e = assertThrows(ServletException.class,
                () -> init(Map.of(TOKEN_BODY_PARAM, "a=${file:/etc/secret}")));

        assertTrue(e.getMessage().contains(TOKEN_BODY_PARAM + ":"), e.getMessage());
        assertTrue(e.getMessage().contains("${env:NAME} or ${sys:name}"), e.getMessage());
    }

    @Test
    void everyBadParamIsReportedInOneMessage() {
        Map<String, String> params = new HashMap<>();
        params.put(ON_FAILURE_PARAM, "ignore");
        params.put(READ_TIMEOUT_PARAM, "soon");
        params.put(ATTRIBUTE_PARAM, "token");

        ServletException e = assertThrows(ServletException.class, () -> init(params));

        assertTrue(e.getMessage().contains(ON_FAILURE_PARAM + ": 'ignore'"), e.getMessage());
        assertTrue(e.getMessage().contains(READ_TIMEOUT_PARAM + ": 'soon'"), e.getMessage());
    }

    @Test
    void blankValuesMeanDefaultsAndInitPublishesTheTokenSource() throws Exception {
        Map<String, Object> attributes = new ConcurrentHashMap<>();
        BearerTokenFilter filter = new BearerTokenFilter();
        Map<String, String> params = new HashMap<>();
        params.put(TOKEN_URL_PARAM, " ");
        params.put(LOCAL_TTL_PARAM, "");

        assertDoesNotThrow(() -> filter.init(config(params, attributes)));

        assertNotNull(attributes.get(TOKEN_SOURCE_ATTRIBUTE));
        assertNotNull(attributes.get(TOKEN_SOURCE_ATTRIBUTE + ".test-filter"));
        filter.destroy();
        assertNull(attributes.get(TOKEN_SOURCE_ATTRIBUTE), "destroy withdraws the token source");
        assertNull(attributes.get(TOKEN_SOURCE_ATTRIBUTE + ".test-filter"));
    }

    private static void init(Map<String, String> params) throws ServletException {
        BearerTokenFilter filter = new BearerTokenFilter();
        filter.init(config(params, new ConcurrentHashMap<>()));
        filter.destroy();
    }

    static FilterConfig config(Map<String, String> params, Map<String, Object> attributes) {
        ServletContext context = (ServletContext) Proxy.newProxyInstance(BearerTokenFilterInitTest.class.getClassLoader(),
                new Class<?>[] {ServletContext.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getAttribute":
                            return attributes.get((String) args[0]);
                        case "setAttribute":
                            attributes.put((String) args[0], args[1]);
                            return null;
                        case "removeAttribute":
                            attributes.remove((String) args[0]);
                            return null;
                        case "toString":
                            return "test context";
                        default:
                            return null;
                    }
                });
        return new FilterConfig() {
            @Override
            public String getFilterName() {
                return "test-filter";
            }

            @Override
            public ServletContext getServletContext() {
                return context;
            }

            @Override
            public String getInitParameter(String name) {
                return params.get(name);
            }

            @Override
            public Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(params.keySet());
            }
        };
    }
}
