package dev.authloopback.loopback.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which of one profile's requests are cached and under which key: {@code key}, {@code key-headers},
 * {@code methods}, {@code pass-methods}. The collections are kept as parsed (in the operator's
 * order, for messages); {@link LoopbackSettings} makes them immutable.
 */
record CacheKeySettings(String keyTemplate, List<String> keyHeaders, Set<String> methods, Set<String> passMethods) {
    /**
     * Key headers are forwarded upstream, so framing and connection headers (RFC 9110 §7.6.1,
     * set by the HTTP client itself) cannot be key headers.
     */
    private static final Set<String> NOT_KEY_HEADERS = new TreeSet<>(Set.of("host", "connection",
            "content-length", "transfer-encoding", "expect", "upgrade", "te", "trailer", "keep-alive"));

    /** Reads the group in the order above, which is the order its problems are reported in. */
    static CacheKeySettings read(ProfileSource in) {
        return new CacheKeySettings(
                in.value(SettingNames.KEY, null, CacheKeySettings::keyTemplate),
                in.value(SettingNames.KEY_HEADERS, List.of(), CacheKeySettings::keyHeaderNames),
                in.value(SettingNames.METHODS, Set.of("POST"), CacheKeySettings::methods),
                in.value(SettingNames.PASS_METHODS, Set.of(), CacheKeySettings::methods));
    }

    /**
     * A method cannot be both cached and passed through. Checked only once the rest of the profile
     * is valid, so it is never reported beside a problem in the method lists themselves.
     *
     * @return {@code false} when a method is in both lists (the problem is recorded)
     */
    boolean methodsDisjoint(ProfileSource in) {
        Set<String> overlap = new LinkedHashSet<>(methods);
        overlap.retainAll(passMethods);
        if (overlap.isEmpty()) {
            return true;
        }
        in.problem(in.name(SettingNames.PASS_METHODS) + "=" + passMethods + ": " + overlap
                + " also listed in " + SettingNames.METHODS);
        return false;
    }

    private static String keyTemplate(String raw) {
        KeyTemplate.parse(raw);
        return raw;
    }

    private static List<String> keyHeaderNames(String raw) {
        List<String> names = new ArrayList<>();
        for (String part : raw.split(",")) {
            if (!part.isBlank()) {
                names.add(SettingValues.headerName(part));
            }
        }
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
}
