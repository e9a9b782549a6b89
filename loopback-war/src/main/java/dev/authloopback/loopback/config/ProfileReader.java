package dev.authloopback.loopback.config;

import dev.authloopback.loopback.access.AddressAllowList;
import dev.authloopback.loopback.credentials.ClientAuthSettings;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/** Reads one profile, adding problems instead of throwing. */
final class ProfileReader {
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Set<String> NOT_KEY_HEADERS = new java.util.TreeSet<>(Set.of("host", "connection",
            "content-length", "transfer-encoding", "expect", "upgrade", "te", "trailer", "keep-alive"));

    private final SettingsSources sources;
    private final String profile;
    private final List<String> problems;

    ProfileReader(SettingsSources sources, String profile, List<String> problems) {
        this.sources = sources;
        this.profile = profile;
        this.problems = problems;
    }

    LoopbackSettings read() {
        int before = problems.size();
        URI upstream = required(SettingNames.UPSTREAM_URL, ProfileReader::httpUrl);
        Duration ttl = value(SettingNames.TTL, LoopbackSettings.DEFAULT_TTL, ProfileReader::positiveDuration);
        Duration tti = value(SettingNames.TTI, LoopbackSettings.DEFAULT_TTI, ProfileReader::positiveDuration);
        Duration skew = value(SettingNames.EXPIRY_SKEW, LoopbackSettings.DEFAULT_EXPIRY_SKEW,
                ProfileReader::nonNegativeDuration);
        double refreshAhead = value(SettingNames.REFRESH_AHEAD, LoopbackSettings.DEFAULT_REFRESH_AHEAD,
                ProfileReader::fraction);
        String key = value(SettingNames.KEY, null, ProfileReader::keyTemplate);
        List<String> keyHeaders = value(SettingNames.KEY_HEADERS, List.of(), ProfileReader::keyHeaderNames);
        Set<String> methods = value(SettingNames.METHODS, Set.of("POST"), ProfileReader::methods);
        Set<String> passMethods = value(SettingNames.PASS_METHODS, Set.of(), ProfileReader::methods);
        long maxEntries = value(SettingNames.MAX_ENTRIES, LoopbackSettings.DEFAULT_MAX_ENTRIES,
                ProfileReader::positiveLong);
        Duration connect = value(SettingNames.CONNECT_TIMEOUT, LoopbackSettings.DEFAULT_CONNECT_TIMEOUT,
                ProfileReader::positiveDuration);
        Duration read = value(SettingNames.READ_TIMEOUT, LoopbackSettings.DEFAULT_READ_TIMEOUT,
                ProfileReader::positiveDuration);
        long maxRequest = value(SettingNames.MAX_REQUEST_BYTES, LoopbackSettings.DEFAULT_MAX_REQUEST_BYTES,
                ProfileReader::positiveSize);
        long maxResponse = value(SettingNames.MAX_RESPONSE_BYTES, LoopbackSettings.DEFAULT_MAX_RESPONSE_BYTES,
                ProfileReader::positiveSize);
        Duration minRefresh = value(SettingNames.MIN_REFRESH_INTERVAL,
                LoopbackSettings.DEFAULT_MIN_REFRESH_INTERVAL, ProfileReader::nonNegativeDuration);
        AddressAllowList allowFrom = value(SettingNames.ALLOW_FROM,
                AddressAllowList.parse(AddressAllowList.LOOPBACK_ONLY), AddressAllowList::parse);
        String sharedSecret = value(SettingNames.SHARED_SECRET, null, ProfileReader::secret);
        String secretHeader = value(SettingNames.SHARED_SECRET_HEADER,
                LoopbackSettings.DEFAULT_SHARED_SECRET_HEADER, ProfileReader::headerName);
        AddressAllowList adminAllowFrom = value(SettingNames.ADMIN_ALLOW_FROM,
                AddressAllowList.parse(AddressAllowList.LOOPBACK_ONLY), AddressAllowList::parse);
        String adminSecret = value(SettingNames.ADMIN_SECRET, null, ProfileReader::secret);
        Duration requestBodyTimeout = value(SettingNames.REQUEST_BODY_TIMEOUT,
                LoopbackSettings.DEFAULT_REQUEST_BODY_TIMEOUT, ProfileReader::positiveDuration);
        int tokenPort = value(SettingNames.TOKEN_PORT, LoopbackSettings.ANY_PORT, ProfileReader::port);
        int healthDownAfter = value(SettingNames.HEALTH_DOWN_AFTER, LoopbackSettings.DEFAULT_HEALTH_DOWN_AFTER,
                ProfileReader::positiveInt);
        ClientAuthSettings clientAuth = new ClientAuthReader(this).read(upstream);
        if (problems.size() > before) {
            return null;
        }
        Set<String> overlap = new LinkedHashSet<>(methods);
        overlap.retainAll(passMethods);
        if (!overlap.isEmpty()) {
            problems.add(name(SettingNames.PASS_METHODS) + "=" + passMethods + ": " + overlap
                    + " also listed in " + SettingNames.METHODS);
            return null;
        }
        return new LoopbackSettings(profile, upstream, ttl, tti, skew, refreshAhead, key, keyHeaders, methods,
                passMethods, maxEntries, connect, read, maxRequest, maxResponse, minRefresh, allowFrom,
                sharedSecret, secretHeader, adminAllowFrom, adminSecret, requestBodyTimeout, tokenPort,
                healthDownAfter, clientAuth);
    }

    String name(String setting) {
        return SettingNames.DEFAULT_PROFILE.equals(profile)
                ? SettingNames.PREFIX + setting
                : SettingNames.PREFIX + profile + "." + setting;
    }

    private <T> T required(String setting, Function<String, T> parser) {
        Optional<String> raw = sources.lookup(profile, setting);
        if (raw.isEmpty()) {
            problems.add(name(setting) + ": required (system property " + name(setting) + ", env "
                    + SettingsSources.envName(SettingNames.DEFAULT_PROFILE.equals(profile)
                    ? setting : profile + "_" + setting) + " or context init-param)");
            return null;
        }
        return parse(setting, raw.get(), parser, null);
    }

    <T> T value(String setting, T fallback, Function<String, T> parser) {
        Optional<String> raw = sources.lookup(profile, setting);
        return raw.isEmpty() ? fallback : parse(setting, raw.get(), parser, fallback);
    }

    private <T> T parse(String setting, String raw, Function<String, T> parser, T fallback) {
        try {
            return parser.apply(raw);
        } catch (RuntimeException e) {
            String shown = SettingNames.isSecret(setting) ? "<masked>" : withoutUserInfo(raw);
            problems.add(name(setting) + "='" + shown + "': " + e.getMessage());
            return fallback;
        }
    }

    /** A URL written with credentials in it ({@code https://user:pw@host}) is shown without them. */
    private static String withoutUserInfo(String raw) {
        return raw.replaceAll("(?<=://)[^/?#@\\s]*@", "<masked>@");
    }

    private static URI httpUrl(String raw) {
        URI uri;
        try {
            uri = new URI(raw);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid URL (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("scheme must be http or https");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw new IllegalArgumentException("URL has no host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("credentials in the URL are not allowed; send them as the"
                    + " callers' Authorization header");
        }
        return uri;
    }

    void problem(String message) {
        problems.add(message);
    }

    boolean isSet(String setting) {
        return sources.lookup(profile, setting).isPresent();
    }

    static Duration positiveDuration(String raw) {
        Duration d = DurationValue.parse(raw);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("must be a positive duration");
        }
        return d;
    }

    private static Duration nonNegativeDuration(String raw) {
        if (raw.trim().startsWith("-")) {
            throw new IllegalArgumentException("must not be negative");
        }
        return DurationValue.parse(raw);
    }

    private static double fraction(String raw) {
        double value;
        try {
            value = Double.parseDouble(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number");
        }
        if (!(value >= 0.0 && value < 1.0)) {
            throw new IllegalArgumentException("must be a fraction in [0, 1), e.g. 0.1; 0 disables");
        }
        return value;
    }

    private static long positiveLong(String raw) {
        long value;
        try {
            value = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number");
        }
        if (value <= 0) {
            throw new IllegalArgumentException("must be greater than 0");
        }
        return value;
    }

    private static int port(String raw) {
        long value = positiveLong(raw);
        if (value > 65535) {
            throw new IllegalArgumentException("must be a TCP port, 1..65535");
        }
        return (int) value;
    }

    private static int positiveInt(String raw) {
        long value = positiveLong(raw);
        if (value > 1000) {
            throw new IllegalArgumentException("must be at most 1000");
        }
        return (int) value;
    }

    static long positiveSize(String raw) {
        long value = ByteSize.parse(raw);
        if (value <= 0) {
            throw new IllegalArgumentException("must be greater than 0");
        }
        return value;
    }

    private static String keyTemplate(String raw) {
        dev.authloopback.loopback.cache.KeyTemplate.parse(raw);
        return raw;
    }

    private static List<String> headerNames(String raw) {
        List<String> names = new ArrayList<>();
        for (String part : raw.split(",")) {
            if (!part.isBlank()) {
                names.add(headerName(part));
            }
        }
        return names;
    }

    /**
     * Key headers are forwarded upstream, so framing and connection headers (RFC 9110 §7.6.1,
     * set by the HTTP client itself) cannot be key headers.
     */
    private static List<String> keyHeaderNames(String raw) {
        List<String> names = headerNames(raw);
        for (String name : names) {
            if (NOT_KEY_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("'" + name + "' cannot be a key header (the HTTP client sets it);"
                        + " not allowed: " + NOT_KEY_HEADERS);
            }
        }
        return names;
    }

    private static String headerName(String raw) {
        String name = raw.trim();
        if (!TOKEN.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a valid HTTP header name");
        }
        return name;
    }

    private static Set<String> methods(String raw) {
        Set<String> methods = new LinkedHashSet<>();
        for (String part : raw.split(",")) {
            String method = part.trim().toUpperCase(Locale.ROOT);
            if (method.isEmpty()) {
                continue;
            }
            if (!Arrays.asList("GET", "POST", "PUT").contains(method)) {
                throw new IllegalArgumentException("'" + method + "' is not one of GET, POST, PUT");
            }
            methods.add(method);
        }
        return methods;
    }

    private static String secret(String raw) {
        if (raw.length() < 16) {
            throw new IllegalArgumentException("must be at least 16 characters");
        }
        return raw;
    }
}
