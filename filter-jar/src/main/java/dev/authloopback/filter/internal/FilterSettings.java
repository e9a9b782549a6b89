package dev.authloopback.filter.internal;

import static dev.authloopback.filter.BearerTokenFilter.ATTRIBUTE_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.CONNECT_TIMEOUT_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.DPOP_KEY_FILE_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.DPOP_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.EVICT_ON_401_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.HEADER_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.HEADER_VALUE_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.LOCAL_TTL_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.MAX_TOKEN_LENGTH_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.ON_FAILURE_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.READ_TIMEOUT_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_BODY_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_CONTENT_TYPE_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_HEADERS_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_METHOD_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_PATH_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_SECRET_FILE_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_SECRET_HEADER_PARAM;
import static dev.authloopback.filter.BearerTokenFilter.TOKEN_URL_PARAM;

import com.jayway.jsonpath.InvalidPathException;
import com.jayway.jsonpath.JsonPath;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The validated, immutable settings of one filter, built once from init-params (or from the same
 * names in a Map for the JAX-RS client filter). Blank values count as absent. Every problem is
 * collected into one {@link InvalidSettingsException}; secret-bearing values are never echoed.
 */
public final class FilterSettings {

    public static final String DEFAULT_TOKEN_URL = "http://localhost:8082/loopback";
    public static final String DEFAULT_TOKEN_METHOD = "POST";
    public static final String DEFAULT_TOKEN_CONTENT_TYPE = "application/x-www-form-urlencoded";
    public static final String DEFAULT_TOKEN_PATH = "$.access_token";
    public static final String DEFAULT_HEADER = "Authorization";
    public static final String DEFAULT_HEADER_VALUE = "Bearer {token}";
    public static final String DEFAULT_ATTRIBUTE = "access_token";
    public static final String DEFAULT_CONNECT_TIMEOUT = "2s";
    public static final String DEFAULT_READ_TIMEOUT = "5s";
    public static final String DEFAULT_LOCAL_TTL = "10s";
    /** 8 KiB: Jetty's and Tomcat's default request header limit; a longer header ends in a 431 downstream anyway. */
    public static final int DEFAULT_MAX_TOKEN_LENGTH = 8192;
    public static final String TOKEN_PLACEHOLDER = "{token}";
    /** The loopback's default {@code shared-secret-header}. */
    public static final String DEFAULT_TOKEN_SECRET_HEADER = "X-Loopback-Secret";

    /** Names a filter understands; anything else in its init-params is most likely a typo. */
    public static final Set<String> PARAM_NAMES = Set.of(TOKEN_URL_PARAM, TOKEN_METHOD_PARAM, TOKEN_BODY_PARAM,
            TOKEN_CONTENT_TYPE_PARAM, TOKEN_HEADERS_PARAM, TOKEN_PATH_PARAM, HEADER_PARAM, HEADER_VALUE_PARAM,
            ATTRIBUTE_PARAM, CONNECT_TIMEOUT_PARAM, READ_TIMEOUT_PARAM, ON_FAILURE_PARAM, EVICT_ON_401_PARAM,
            LOCAL_TTL_PARAM, MAX_TOKEN_LENGTH_PARAM, TOKEN_SECRET_FILE_PARAM, TOKEN_SECRET_HEADER_PARAM,
            dev.authloopback.filter.BearerTokenFilter.ON_BEHALF_OF_PARAM,
            dev.authloopback.filter.BearerTokenFilter.ON_BEHALF_OF_CACHE_BYTES_PARAM, DPOP_PARAM, DPOP_KEY_FILE_PARAM);
    /** 4 MiB: some 2,000 users' exchanged tokens of ~2 KiB each in the near cache. */
    public static final long DEFAULT_ON_BEHALF_OF_CACHE_BYTES = 4L * 1024 * 1024;

    /** RFC 9110 §5.6.2 token: what a header field name (and a method) may consist of. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
    /** Headers java.net.http.HttpClient sets itself and refuses to take from a caller. */
    private static final Set<String> RESTRICTED_HEADERS = Set.of("connection", "content-length", "expect", "host",
            "upgrade", "content-type", "if-match");

    /** What to do when no token can be had. */
    public enum OnFailure { REJECT, CONTINUE }

    private final URI tokenUrl;
    private final String tokenMethod;
    private final String tokenBody;
    private final String tokenContentType;
    private final List<Map.Entry<String, String>> tokenHeaders;
    private final String tokenSecretFile;
    private final JsonPath tokenPath;
    private final String header;
    private final String headerValue;
    private final String attribute;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final OnFailure onFailure;
    private final boolean evictOn401;
    private final Duration localTtl;
    private final int maxTokenLength;
    private final boolean onBehalfOf;
    private final long onBehalfOfCacheBytes;

    private final DpopKey dpopKey;
    private final String dpopKeyFile;

    private FilterSettings(Reader r) {
        this.dpopKey = r.dpopKey;
        this.dpopKeyFile = r.dpopKeyFile;
        this.onBehalfOf = r.onBehalfOf;
        this.onBehalfOfCacheBytes = r.onBehalfOfCacheBytes;
        this.tokenUrl = r.tokenUrl;
        this.tokenMethod = r.tokenMethod;
        this.tokenBody = r.tokenBody;
        this.tokenContentType = r.tokenContentType;
        this.tokenHeaders = List.copyOf(r.tokenHeaders);
        this.tokenSecretFile = r.tokenSecretFile;
        this.tokenPath = r.tokenPath;
        this.header = r.header;
        this.headerValue = r.headerValue;
        this.attribute = r.attribute;
        this.connectTimeout = r.connectTimeout;
        this.readTimeout = r.readTimeout;
        this.onFailure = r.onFailure;
        this.evictOn401 = r.evictOn401;
        this.localTtl = r.localTtl;
        this.maxTokenLength = r.maxTokenLength;
    }

    /**
     * @param params     init-param name to raw value (blank = absent)
     * @param placeholders resolves {@code ${env:..}} / {@code ${sys:..}} in {@code token-body} and {@code token-headers}
     * @throws InvalidSettingsException listing every problem, each starting with the param name
     */
    public static FilterSettings from(Map<String, String> params, Placeholders placeholders) {
        Reader r = new Reader(params, placeholders);
        r.read();
        if (!r.problems.isEmpty()) {
            throw new InvalidSettingsException(r.problems);
        }
        return new FilterSettings(r);
    }

    public URI tokenUrl() { return tokenUrl; }
    public String tokenMethod() { return tokenMethod; }
    public String tokenBody() { return tokenBody; }
    public String tokenContentType() { return tokenContentType; }
    public List<Map.Entry<String, String>> tokenHeaders() { return tokenHeaders; }
    public JsonPath tokenPath() { return tokenPath; }
    public String header() { return header; }
    public String attribute() { return attribute; }
    public Duration connectTimeout() { return connectTimeout; }
    public Duration readTimeout() { return readTimeout; }
    public OnFailure onFailure() { return onFailure; }
    public boolean evictOn401() { return evictOn401; }
    public Duration localTtl() { return localTtl; }
    public int maxTokenLength() { return maxTokenLength; }
    /** {@code on-behalf-of}: exchange each request's inbound user token instead of one service token. */
    public boolean onBehalfOf() { return onBehalfOf; }
    public long onBehalfOfCacheBytes() { return onBehalfOfCacheBytes; }
    /** The app's DPoP key in DPoP mode, else {@code null}. */
    public DpopKey dpopKey() { return dpopKey; }

    /** The header value for a token, e.g. {@code Bearer eyJ...}. */
    public String headerValue(String token) {
        return headerValue.replace(TOKEN_PLACEHOLDER, token);
    }

    /** The effective configuration for one log line: secrets shown as {@code <masked>}. */
    @Override
    public String toString() {
        return TOKEN_URL_PARAM + "=" + safeUrl(tokenUrl)
                + ", " + TOKEN_METHOD_PARAM + "=" + tokenMethod
                + ", " + TOKEN_BODY_PARAM + "=" + (tokenBody.isEmpty() ? "(empty)" : "<masked>")
                + ", " + TOKEN_CONTENT_TYPE_PARAM + "=" + tokenContentType
                + ", " + TOKEN_HEADERS_PARAM + "=" + tokenHeaders.stream().map(e -> e.getKey() + ": <masked>").toList()
                + (tokenSecretFile == null ? "" : ", " + TOKEN_SECRET_FILE_PARAM + "=" + tokenSecretFile)
                + ", " + TOKEN_PATH_PARAM + "=" + tokenPath.getPath()
                + ", " + HEADER_PARAM + "=" + header
                + ", " + HEADER_VALUE_PARAM + "=" + headerValue
                + ", " + ATTRIBUTE_PARAM + "=" + attribute
                + ", " + CONNECT_TIMEOUT_PARAM + "=" + Durations.format(connectTimeout)
                + ", " + READ_TIMEOUT_PARAM + "=" + Durations.format(readTimeout)
                + ", " + ON_FAILURE_PARAM + "=" + onFailure.name().toLowerCase(Locale.ROOT)
                + ", " + EVICT_ON_401_PARAM + "=" + evictOn401
                + ", " + LOCAL_TTL_PARAM + "=" + Durations.format(localTtl)
                + ", " + MAX_TOKEN_LENGTH_PARAM + "=" + maxTokenLength
                + (onBehalfOf ? ", " + dev.authloopback.filter.BearerTokenFilter.ON_BEHALF_OF_PARAM + "=true, "
                        + dev.authloopback.filter.BearerTokenFilter.ON_BEHALF_OF_CACHE_BYTES_PARAM + "="
                        + onBehalfOfCacheBytes : "")
                + (dpopKey == null ? "" : ", " + DPOP_PARAM + "=true, " + DPOP_KEY_FILE_PARAM + "="
                        + (dpopKeyFile == null ? "(a key of this instance)" : dpopKeyFile) + ", jkt=" + dpopKey.thumbprint());
    }

    /**
     * The token URL as logs and problem answers may show it: scheme, host, port and path only,
     * because user info or a query could carry credentials.
     */
    public String safeTokenUrl() {
        return safeUrl(tokenUrl);
    }

    /** Scheme, host, port and path only: user info or a query could carry credentials. */
    private static String safeUrl(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath())
                + (uri.getRawUserInfo() != null || uri.getRawQuery() != null ? " (user info/query masked)" : "");
    }

    /** A raw, possibly unparsable URL value with its user info and query masked. */
    static String maskUrl(String raw) {
        return raw.replaceAll("(?<=//)[^/?#@]*@", "<masked>@").replaceAll("\\?.*$", "?<masked>");
    }

    /** Reads and checks every param, collecting problems instead of stopping at the first. */
    private static final class Reader {
        private final Map<String, String> params;
        private final Placeholders placeholders;
        private final List<String> problems = new ArrayList<>();

        URI tokenUrl;
        String tokenMethod;
        String tokenBody;
        String tokenContentType;
        List<Map.Entry<String, String>> tokenHeaders = List.of();
        String tokenSecretFile;
        JsonPath tokenPath;
        String header;
        String headerValue;
        String attribute;
        Duration connectTimeout;
        Duration readTimeout;
        OnFailure onFailure;
        boolean evictOn401;
        Duration localTtl;
        int maxTokenLength = DEFAULT_MAX_TOKEN_LENGTH;
        boolean onBehalfOf;
        long onBehalfOfCacheBytes = DEFAULT_ON_BEHALF_OF_CACHE_BYTES;
        DpopKey dpopKey;
        String dpopKeyFile;

        Reader(Map<String, String> params, Placeholders placeholders) {
            this.params = new LinkedHashMap<>(params);
            this.placeholders = placeholders;
        }

        void read() {
            Set<String> unknown = new TreeSet<>(params.keySet());
            unknown.removeAll(PARAM_NAMES);
            for (String name : unknown) {
                problems.add(name + ": unknown init-param (known: " + new TreeSet<>(PARAM_NAMES) + ")");
            }
            tokenUrl = url(tokenUrlValue());
            tokenMethod = value(TOKEN_METHOD_PARAM, DEFAULT_TOKEN_METHOD).toUpperCase(Locale.ROOT);
            if (!tokenMethod.matches("[A-Z]+")) {
                problem(TOKEN_METHOD_PARAM, tokenMethod, "must be an HTTP method such as POST");
            }
            tokenBody = secret(TOKEN_BODY_PARAM, value(TOKEN_BODY_PARAM, ""));
            tokenContentType = value(TOKEN_CONTENT_TYPE_PARAM, DEFAULT_TOKEN_CONTENT_TYPE);
            if (!tokenContentType.matches("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+/[^\\r\\n]+")) {
                problem(TOKEN_CONTENT_TYPE_PARAM, tokenContentType, "must be a media type such as application/json");
            }
            tokenHeaders = headers(value(TOKEN_HEADERS_PARAM, ""));
            callerSecret();
            tokenPath = jsonPath(value(TOKEN_PATH_PARAM, DEFAULT_TOKEN_PATH));
            header = value(HEADER_PARAM, DEFAULT_HEADER);
            if (!TOKEN.matcher(header).matches()) {
                problem(HEADER_PARAM, header, "must be a header field name");
            }
            headerValue = value(HEADER_VALUE_PARAM, DEFAULT_HEADER_VALUE);
            // RFC 9110 §5.5 field-value: visible ASCII, spaces and tabs; the token itself is checked per answer.
            boolean visible = headerValue.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c < 0x7f));
            if (!headerValue.contains(TOKEN_PLACEHOLDER) || !visible) {
                problem(HEADER_VALUE_PARAM, headerValue.replaceAll("[^\\x20-\\x7e]", "?"), "must contain "
                        + TOKEN_PLACEHOLDER + " and otherwise only visible ASCII characters, spaces and tabs"
                        + " (no line breaks or control characters)");
            }
            attribute = value(ATTRIBUTE_PARAM, DEFAULT_ATTRIBUTE);
            connectTimeout = duration(CONNECT_TIMEOUT_PARAM, DEFAULT_CONNECT_TIMEOUT, false);
            readTimeout = duration(READ_TIMEOUT_PARAM, DEFAULT_READ_TIMEOUT, false);
            localTtl = duration(LOCAL_TTL_PARAM, DEFAULT_LOCAL_TTL, true);
            String maxLength = value(MAX_TOKEN_LENGTH_PARAM, String.valueOf(DEFAULT_MAX_TOKEN_LENGTH));
            try {
                maxTokenLength = Integer.parseInt(maxLength);
                if (maxTokenLength < 1) {
                    problem(MAX_TOKEN_LENGTH_PARAM, maxLength, "must be greater than zero");
                }
            } catch (NumberFormatException e) {
                problem(MAX_TOKEN_LENGTH_PARAM, maxLength, "must be a whole number of characters, such as 8192");
            }
            String mode = value(ON_FAILURE_PARAM, "reject");
            switch (mode.toLowerCase(Locale.ROOT)) {
                case "reject" -> onFailure = OnFailure.REJECT;
                case "continue" -> onFailure = OnFailure.CONTINUE;
                default -> problem(ON_FAILURE_PARAM, mode, "must be reject or continue");
            }
            String obo = value(dev.authloopback.filter.BearerTokenFilter.ON_BEHALF_OF_PARAM, "false");
            switch (obo.toLowerCase(Locale.ROOT)) {
                case "true" -> onBehalfOf = true;
                case "false" -> onBehalfOf = false;
                default -> problem(dev.authloopback.filter.BearerTokenFilter.ON_BEHALF_OF_PARAM, obo,
                        "must be true or false");
            }
            String bytes = value(dev.authloopback.filter.BearerTokenFilter.ON_BEHALF_OF_CACHE_BYTES_PARAM,
                    String.valueOf(DEFAULT_ON_BEHALF_OF_CACHE_BYTES));
            try {
                onBehalfOfCacheBytes = Long.parseLong(bytes);
                if (onBehalfOfCacheBytes < 0) {
                    problem(dev.authloopback.filter.BearerTokenFilter.ON_BEHALF_OF_CACHE_BYTES_PARAM, bytes,
                            "must be 0 (off) or more bytes");
                }
            } catch (NumberFormatException e) {
                problem(dev.authloopback.filter.BearerTokenFilter.ON_BEHALF_OF_CACHE_BYTES_PARAM, bytes,
                        "must be a whole number of bytes, such as 4194304");
            }
            dpop();
            String evict = value(EVICT_ON_401_PARAM, "true");
            switch (evict.toLowerCase(Locale.ROOT)) {
                case "true" -> evictOn401 = true;
                case "false" -> evictOn401 = false;
                default -> problem(EVICT_ON_401_PARAM, evict, "must be true or false");
            }
        }

        /** DPoP mode: {@code dpop=true}, or a {@code dpop-key-file} (which implies it). */
        private void dpop() {
            String on = value(DPOP_PARAM, "false").toLowerCase(Locale.ROOT);
            if (!on.equals("true") && !on.equals("false")) {
                problem(DPOP_PARAM, on, "must be true or false");
                return;
            }
            dpopKeyFile = params.get(DPOP_KEY_FILE_PARAM) == null || params.get(DPOP_KEY_FILE_PARAM).isBlank() ? null
                    : params.get(DPOP_KEY_FILE_PARAM).trim();
            if (dpopKeyFile != null) {
                try {
                    dpopKey = DpopKey.fromFile(java.nio.file.Path.of(dpopKeyFile));
                } catch (IllegalArgumentException e) {
                    problem(DPOP_KEY_FILE_PARAM, dpopKeyFile, e.getMessage());
                }
            } else if (on.equals("true")) {
                dpopKey = DpopKey.generate();
            }
        }

        private String value(String name, String defaultValue) {
            String v = params.get(name);
            return v == null || v.isBlank() ? defaultValue : v.trim();
        }

        private void problem(String name, String value, String rule) {
            problems.add(name + ": '" + value + "' " + rule);
        }

        private void maskedProblem(String name, String rule) {
            problems.add(name + ": <masked> " + rule);
        }

        /** token-url with its placeholders resolved, e.g. {@code http://localhost:${sys:auth-loopback.port:8082}/loopback}. */
        private String tokenUrlValue() {
            String raw = value(TOKEN_URL_PARAM, DEFAULT_TOKEN_URL);
            try {
                return placeholders.resolve(raw);
            } catch (IllegalArgumentException e) {
                problem(TOKEN_URL_PARAM, maskUrl(raw), e.getMessage());
                return DEFAULT_TOKEN_URL;
            }
        }

        private URI url(String value) {
            try {
                URI uri = new URI(value);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                    return uri;
                }
            } catch (URISyntaxException e) {
                // reported below
            }
            problem(TOKEN_URL_PARAM, maskUrl(value), "must be an absolute http or https URL");
            return URI.create(DEFAULT_TOKEN_URL);
        }

        private String secret(String name, String raw) {
            try {
                return placeholders.resolve(raw);
            } catch (IllegalArgumentException e) {
                maskedProblem(name, e.getMessage());
                return "";
            }
        }

        /** "Name: value" entries separated by new lines or '|'; values may hold placeholders. */
        private List<Map.Entry<String, String>> headers(String raw) {
            List<Map.Entry<String, String>> out = new ArrayList<>();
            String[] entries = raw.split("[\\r\\n|]+");
            for (int i = 0; i < entries.length; i++) {
                String entry = entries[i].trim();
                if (entry.isEmpty()) {
                    continue;
                }
                int colon = entry.indexOf(':');
                String name = colon < 0 ? "" : entry.substring(0, colon).trim();
                if (colon < 0 || !TOKEN.matcher(name).matches()) {
                    maskedProblem(TOKEN_HEADERS_PARAM, "entry " + (i + 1) + " is not of the form 'Name: value'");
                    continue;
                }
                if (RESTRICTED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                    problem(TOKEN_HEADERS_PARAM, name, "may not be set here (the filter or the HTTP client sets it)");
                    continue;
                }
                String value = secret(TOKEN_HEADERS_PARAM, entry.substring(colon + 1).trim());
                if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
                    maskedProblem(TOKEN_HEADERS_PARAM, "value of " + name + " contains a line break after substitution");
                    continue;
                }
                out.add(Map.entry(name, value));
            }
            return out;
        }

        /**
         * {@code token-secret-file}: the loopback's caller secret, added to the token headers. Read once
         * here, so a missing or empty file fails init naming the param and the path, never the content.
         */
        private void callerSecret() {
            String header = value(TOKEN_SECRET_HEADER_PARAM, DEFAULT_TOKEN_SECRET_HEADER);
            if (!TOKEN.matcher(header).matches() || RESTRICTED_HEADERS.contains(header.toLowerCase(Locale.ROOT))) {
                problem(TOKEN_SECRET_HEADER_PARAM, header, "must be a header field name the filter does not set itself");
                return;
            }
            String raw = params.get(TOKEN_SECRET_FILE_PARAM);
            if (raw == null || raw.isBlank()) {
                if (params.get(TOKEN_SECRET_HEADER_PARAM) != null && !params.get(TOKEN_SECRET_HEADER_PARAM).isBlank()) {
                    problem(TOKEN_SECRET_HEADER_PARAM, header, "is only used with " + TOKEN_SECRET_FILE_PARAM);
                }
                return;
            }
            String path;
            try {
                path = placeholders.resolve(raw.trim());
            } catch (IllegalArgumentException e) {
                problem(TOKEN_SECRET_FILE_PARAM, raw.trim(), e.getMessage());
                return;
            }
            tokenSecretFile = path;
            String secret;
            try {
                secret = java.nio.file.Files.readString(java.nio.file.Path.of(path), java.nio.charset.StandardCharsets.UTF_8);
            } catch (java.io.IOException | RuntimeException e) {
                problem(TOKEN_SECRET_FILE_PARAM, path, "cannot be read (" + e.getClass().getSimpleName() + ")");
                return;
            }
            int end = secret.length();
            while (end > 0 && (secret.charAt(end - 1) == '\n' || secret.charAt(end - 1) == '\r')) {
                end--;
            }
            secret = secret.substring(0, end);
            if (secret.isBlank() || secret.indexOf('\n') >= 0 || secret.indexOf('\r') >= 0) {
                problem(TOKEN_SECRET_FILE_PARAM, path, "must hold the secret on one line");
                return;
            }
            for (Map.Entry<String, String> existing : tokenHeaders) {
                if (existing.getKey().equalsIgnoreCase(header)) {
                    problem(TOKEN_HEADERS_PARAM, header, "is also sent from " + TOKEN_SECRET_FILE_PARAM + "; set it once");
                    return;
                }
            }
            List<Map.Entry<String, String>> withSecret = new ArrayList<>(tokenHeaders);
            withSecret.add(Map.entry(header, secret));
            tokenHeaders = withSecret;
        }

        private JsonPath jsonPath(String value) {
            try {
                JsonPath path = JsonPath.compile(value);
                if (path.isDefinite()) {
                    return path;
                }
                problem(TOKEN_PATH_PARAM, value, "must be a definite JSONPath (one value), such as $.access_token");
            } catch (InvalidPathException | IllegalArgumentException e) {
                problem(TOKEN_PATH_PARAM, value, "is not a valid JSONPath (" + e.getMessage() + ")");
            }
            return JsonPath.compile(DEFAULT_TOKEN_PATH);
        }

        private Duration duration(String name, String defaultValue, boolean zeroAllowed) {
            String value = value(name, defaultValue);
            try {
                Duration d = Durations.parse(value);
                if (d.isNegative() || (d.isZero() && !zeroAllowed)) {
                    problem(name, value, zeroAllowed ? "must not be negative" : "must be greater than zero");
                    return Duration.ofSeconds(1);
                }
                return d;
            } catch (IllegalArgumentException | ArithmeticException e) {
                problem(name, value, e.getMessage());
                return Duration.ofSeconds(1);
            }
        }
    }
}
