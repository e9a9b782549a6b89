package dev.authloopback.loopback.config;

import dev.authloopback.loopback.access.AddressAllowList;
import dev.authloopback.loopback.credentials.ClientAuthSettings;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * All profiles' settings, read and validated in one pass. Problems are collected, not thrown one by
 * one, and each names the setting, the value (secrets masked) and the rule it breaks.
 */
public final class LoopbackConfiguration {
    private static final System.Logger LOG = System.getLogger(LoopbackConfiguration.class.getName());
    private static final Pattern PROFILE_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    private static final Set<String> RESERVED_PROFILES = Set.of("admin", SettingNames.DEFAULT_PROFILE);
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Set<String> NOT_KEY_HEADERS = new java.util.TreeSet<>(Set.of("host", "connection",
            "content-length", "transfer-encoding", "expect", "upgrade", "te", "trailer", "keep-alive"));

    private final Map<String, LoopbackSettings> profiles;
    private final ClusterSettings cluster;

    private LoopbackConfiguration(Map<String, LoopbackSettings> profiles, ClusterSettings cluster) {
        this.profiles = Map.copyOf(profiles);
        this.cluster = cluster;
    }

    /** The clustered tier, when {@code cluster-uri} is set. */
    public Optional<ClusterSettings> cluster() {
        return Optional.ofNullable(cluster);
    }

    public Map<String, LoopbackSettings> profiles() {
        return profiles;
    }

    public LoopbackSettings defaultProfile() {
        return profiles.get(SettingNames.DEFAULT_PROFILE);
    }

    /** @throws InvalidSettingsException listing every problem found */
    public static LoopbackConfiguration from(SettingsSources sources) {
        List<String> problems = new ArrayList<>();
        List<String> named = namedProfiles(sources, problems);
        Map<String, LoopbackSettings> profiles = new LinkedHashMap<>();
        List<String> all = new ArrayList<>();
        all.add(SettingNames.DEFAULT_PROFILE);
        all.addAll(named);
        for (String profile : all) {
            LoopbackSettings settings = new ProfileReader(sources, profile, problems).read();
            if (settings != null) {
                profiles.put(profile, settings);
            }
        }
        ClusterSettings cluster = new ClusterSettingsReader(sources, problems).read();
        checkUnknownKeys(sources, all, problems);
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException(problems);
        }
        return new LoopbackConfiguration(profiles, cluster);
    }

    private static List<String> namedProfiles(SettingsSources sources, List<String> problems) {
        Optional<String> list = sources.global(SettingNames.PROFILES);
        List<String> named = new ArrayList<>();
        if (list.isEmpty()) {
            return named;
        }
        for (String raw : list.get().split(",")) {
            String name = raw.trim();
            if (name.isEmpty()) {
                continue;
            }
            if (!PROFILE_NAME.matcher(name).matches() || RESERVED_PROFILES.contains(name)) {
                problems.add(SettingNames.PREFIX + SettingNames.PROFILES + "='" + list.get() + "': profile '" + name
                        + "' must match [a-z0-9][a-z0-9_-]* and not be 'admin' or 'default'");
            } else if (named.contains(name)) {
                problems.add(SettingNames.PREFIX + SettingNames.PROFILES + "='" + list.get() + "': profile '" + name
                        + "' is listed twice");
            } else {
                named.add(name);
            }
        }
        return named;
    }

    private static void checkUnknownKeys(SettingsSources sources, List<String> profiles, List<String> problems) {
        sources.strictKeys().forEach((key, whereAndValue) -> {
            String perProfileCluster = clusterSettingPerProfile(key);
            if (perProfileCluster != null) {
                problems.add(key + " (" + whereAndValue[0] + "): the clustered tier is shared by every profile of"
                        + " the web app; set " + SettingNames.PREFIX + perProfileCluster + " instead");
            } else if (!isKnownKey(key, profiles)) {
                // A misspelt secret setting still holds a secret, and a typo need not look like one
                // ("client-secert", "key-store-pasword"): the name is what is wrong, so no value is shown.
                String shown = "<masked>";
                problems.add(key + "='" + shown + "' (" + whereAndValue[0] + "): unknown setting (a typo?); known"
                        + " names are " + new java.util.TreeSet<>(SettingNames.PER_PROFILE));
            }
        });
        sources.sharedKeys().forEach((key, where) -> {
            if (!isKnownKey(key, profiles)) {
                // JVM-wide: another deployment (or another loopback.war with other profiles) may own it.
                LOG.log(System.Logger.Level.WARNING, "Ignoring " + where + " " + key
                        + ": not a setting of this loopback (a typo?)");
            }
        });
    }

    /** The cluster setting a key like {@code loopback.<profile>.cluster-uri} names, else {@code null}. */
    private static String clusterSettingPerProfile(String key) {
        String rest = key.substring(SettingNames.PREFIX.length());
        int dot = rest.indexOf('.');
        return dot > 0 && SettingNames.CLUSTER.contains(rest.substring(dot + 1)) ? rest.substring(dot + 1) : null;
    }

    private static boolean isKnownKey(String key, List<String> profiles) {
        String rest = key.substring(SettingNames.PREFIX.length());
        if (SettingNames.PER_PROFILE.contains(rest) || SettingNames.GLOBAL.contains(rest)) {
            return true;
        }
        int dot = rest.indexOf('.');
        return dot > 0 && profiles.contains(rest.substring(0, dot))
                && SettingNames.PER_PROFILE.contains(rest.substring(dot + 1));
    }

    /** Reads one profile, adding problems instead of throwing. */
    static final class ProfileReader {
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
}
