package dev.authloopback.loopback.config;

import dev.authloopback.loopback.access.AddressAllowList;
import dev.authloopback.loopback.credentials.ClientAuthSettings;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Reads one profile, adding problems instead of throwing. */
final class ProfileReader {
    private static final Set<String> NOT_KEY_HEADERS = new java.util.TreeSet<>(Set.of("host", "connection",
            "content-length", "transfer-encoding", "expect", "upgrade", "te", "trailer", "keep-alive"));

    private final ProfileSource in;

    ProfileReader(SettingsSources sources, String profile, List<String> problems) {
        this.in = new ProfileSource(sources, profile, problems);
    }

    LoopbackSettings read() {
        int before = in.problemCount();
        URI upstream = in.required(SettingNames.UPSTREAM_URL, SettingValues::httpUrl);
        Duration ttl = in.value(SettingNames.TTL, LoopbackSettings.DEFAULT_TTL, SettingValues::positiveDuration);
        Duration tti = in.value(SettingNames.TTI, LoopbackSettings.DEFAULT_TTI, SettingValues::positiveDuration);
        Duration skew = in.value(SettingNames.EXPIRY_SKEW, LoopbackSettings.DEFAULT_EXPIRY_SKEW,
                SettingValues::nonNegativeDuration);
        double refreshAhead = in.value(SettingNames.REFRESH_AHEAD, LoopbackSettings.DEFAULT_REFRESH_AHEAD,
                ProfileReader::fraction);
        String key = in.value(SettingNames.KEY, null, ProfileReader::keyTemplate);
        List<String> keyHeaders = in.value(SettingNames.KEY_HEADERS, List.of(), ProfileReader::keyHeaderNames);
        Set<String> methods = in.value(SettingNames.METHODS, Set.of("POST"), ProfileReader::methods);
        Set<String> passMethods = in.value(SettingNames.PASS_METHODS, Set.of(), ProfileReader::methods);
        long maxEntries = in.value(SettingNames.MAX_ENTRIES, LoopbackSettings.DEFAULT_MAX_ENTRIES,
                SettingValues::positiveLong);
        Duration connect = in.value(SettingNames.CONNECT_TIMEOUT, LoopbackSettings.DEFAULT_CONNECT_TIMEOUT,
                SettingValues::positiveDuration);
        Duration read = in.value(SettingNames.READ_TIMEOUT, LoopbackSettings.DEFAULT_READ_TIMEOUT,
                SettingValues::positiveDuration);
        long maxRequest = in.value(SettingNames.MAX_REQUEST_BYTES, LoopbackSettings.DEFAULT_MAX_REQUEST_BYTES,
                SettingValues::positiveSize);
        long maxResponse = in.value(SettingNames.MAX_RESPONSE_BYTES, LoopbackSettings.DEFAULT_MAX_RESPONSE_BYTES,
                SettingValues::positiveSize);
        Duration minRefresh = in.value(SettingNames.MIN_REFRESH_INTERVAL,
                LoopbackSettings.DEFAULT_MIN_REFRESH_INTERVAL, SettingValues::nonNegativeDuration);
        AddressAllowList allowFrom = in.value(SettingNames.ALLOW_FROM,
                AddressAllowList.parse(AddressAllowList.LOOPBACK_ONLY), AddressAllowList::parse);
        String sharedSecret = in.value(SettingNames.SHARED_SECRET, null, ProfileReader::secret);
        String secretHeader = in.value(SettingNames.SHARED_SECRET_HEADER,
                LoopbackSettings.DEFAULT_SHARED_SECRET_HEADER, SettingValues::headerName);
        AddressAllowList adminAllowFrom = in.value(SettingNames.ADMIN_ALLOW_FROM,
                AddressAllowList.parse(AddressAllowList.LOOPBACK_ONLY), AddressAllowList::parse);
        String adminSecret = in.value(SettingNames.ADMIN_SECRET, null, ProfileReader::secret);
        Duration requestBodyTimeout = in.value(SettingNames.REQUEST_BODY_TIMEOUT,
                LoopbackSettings.DEFAULT_REQUEST_BODY_TIMEOUT, SettingValues::positiveDuration);
        int tokenPort = in.value(SettingNames.TOKEN_PORT, LoopbackSettings.ANY_PORT, SettingValues::port);
        int healthDownAfter = in.value(SettingNames.HEALTH_DOWN_AFTER, LoopbackSettings.DEFAULT_HEALTH_DOWN_AFTER,
                SettingValues::positiveInt);
        ClientAuthSettings clientAuth = new ClientAuthReader(in).read(upstream);
        if (in.problemCount() > before) {
            return null;
        }
        Set<String> overlap = new LinkedHashSet<>(methods);
        overlap.retainAll(passMethods);
        if (!overlap.isEmpty()) {
            in.problem(in.name(SettingNames.PASS_METHODS) + "=" + passMethods + ": " + overlap
                    + " also listed in " + SettingNames.METHODS);
            return null;
        }
        return new LoopbackSettings(in.profile(), upstream, ttl, tti, skew, refreshAhead, key, keyHeaders, methods,
                passMethods, maxEntries, connect, read, maxRequest, maxResponse, minRefresh, allowFrom,
                sharedSecret, secretHeader, adminAllowFrom, adminSecret, requestBodyTimeout, tokenPort,
                healthDownAfter, clientAuth);
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

    private static String keyTemplate(String raw) {
        dev.authloopback.loopback.cache.KeyTemplate.parse(raw);
        return raw;
    }

    private static List<String> headerNames(String raw) {
        List<String> names = new ArrayList<>();
        for (String part : raw.split(",")) {
            if (!part.isBlank()) {
                names.add(SettingValues.headerName(part));
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
