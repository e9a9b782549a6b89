package dev.authloopback.loopback.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * All profiles' settings, read and validated in one pass. Problems are collected, not thrown one by
 * one, and each names the setting, the value (secrets masked) and the rule it breaks.
 */
public final class LoopbackConfiguration {
    private static final System.Logger LOG = System.getLogger(LoopbackConfiguration.class.getName());
    private static final Pattern PROFILE_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    private static final Set<String> RESERVED_PROFILES = Set.of("admin", SettingNames.DEFAULT_PROFILE, "dpop");

    /** One evict-all per profile per 10 s: enough for an operator, too few for a loop to empty the cache. */
    public static final Duration DEFAULT_EVICT_ALL_INTERVAL = Duration.ofSeconds(10);

    private final Map<String, LoopbackSettings> profiles;
    private final ClusterSettings cluster;
    private final Duration evictAllInterval;
    private final MemorySettings memory;

    private LoopbackConfiguration(Map<String, LoopbackSettings> profiles, ClusterSettings cluster,
                                  Duration evictAllInterval, MemorySettings memory) {
        this.profiles = Map.copyOf(profiles);
        this.cluster = cluster;
        this.evictAllInterval = evictAllInterval;
        this.memory = memory;
    }

    /** {@code evict-all-interval}: the shortest time between two evict-alls of one profile (0: no limit). */
    public Duration evictAllInterval() {
        return evictAllInterval;
    }

    /** The web app's memory budgets ({@code max-cache-bytes}, {@code max-bytes-in-flight}). */
    public MemorySettings memory() {
        return memory;
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
        checkWebAppWideNotPerProfile(sources, all, problems);
        ClusterSettings cluster = new ClusterSettingsReader(sources, problems).read();
        Duration evictAllInterval = evictAllInterval(sources, problems);
        MemorySettings memory = new MemorySettingsReader(sources, problems).read(profiles.values());
        checkUnknownKeys(sources, all, problems);
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException(problems);
        }
        return new LoopbackConfiguration(profiles, cluster, evictAllInterval, memory);
    }

    private static Duration evictAllInterval(SettingsSources sources, List<String> problems) {
        Optional<String> raw = sources.global(SettingNames.EVICT_ALL_INTERVAL);
        if (raw.isEmpty()) {
            return DEFAULT_EVICT_ALL_INTERVAL;
        }
        try {
            return SettingValues.nonNegativeDuration(raw.get());
        } catch (RuntimeException e) {
            problems.add(SettingNames.PREFIX + SettingNames.EVICT_ALL_INTERVAL + "='" + raw.get() + "': "
                    + e.getMessage());
            return DEFAULT_EVICT_ALL_INTERVAL;
        }
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
                        + "' must match [a-z0-9][a-z0-9_-]* and not be 'admin', 'default' or 'dpop' (the default profile's DPoP metadata path)");
            } else if (named.contains(name)) {
                problems.add(SettingNames.PREFIX + SettingNames.PROFILES + "='" + list.get() + "': profile '" + name
                        + "' is listed twice");
            } else {
                named.add(name);
            }
        }
        return named;
    }

    /**
     * A web-app-wide setting written for one profile was read for that profile and then ignored
     * (the admin views, the token connector and the clustered tier are one per web app): one problem
     * names every such key, each with the reason it cannot differ per profile.
     */
    private static void checkWebAppWideNotPerProfile(SettingsSources sources, List<String> profiles,
                                                     List<String> problems) {
        List<String> found = new ArrayList<>();
        for (String profile : profiles) {
            for (String setting : SettingNames.WEB_APP_WIDE) {
                for (String key : sources.perProfileKeys(profile, setting)) {
                    found.add(key + ": " + whyWebAppWide(setting));
                }
            }
        }
        if (!found.isEmpty()) {
            problems.add("web-app-wide settings set per profile (one value holds for every profile; write them as "
                    + SettingNames.PREFIX + "<name> or " + SettingNames.ENV_PREFIX + "<NAME>): "
                    + String.join("; ", found));
        }
    }

    private static String whyWebAppWide(String setting) {
        if (SettingNames.CLUSTER.contains(setting)) {
            return "the clustered tier is shared by every profile of the web app; set " + SettingNames.PREFIX
                    + setting + " instead";
        }
        if (SettingNames.TOKEN_PORT.equals(setting)) {
            return "token calls of every profile arrive on one connector; set " + SettingNames.PREFIX + setting
                    + " instead";
        }
        return "one admin view serves every profile; set " + SettingNames.PREFIX + setting + " instead";
    }

    private static void checkUnknownKeys(SettingsSources sources, List<String> profiles, List<String> problems) {
        sources.strictKeys().forEach((key, whereAndValue) -> {
            if (webAppWideOfAProfile(key, profiles)) {
                return; // named by checkWebAppWideNotPerProfile
            }
            String perProfileCluster = webAppSettingPerProfile(key, SettingNames.CLUSTER);
            String perProfileMemory = webAppSettingPerProfile(key, SettingNames.MEMORY);
            if (perProfileCluster != null) {
                problems.add(key + " (" + whereAndValue[0] + "): the clustered tier is shared by every profile of"
                        + " the web app; set " + SettingNames.PREFIX + perProfileCluster + " instead");
            } else if (perProfileMemory != null) {
                problems.add(key + " (" + whereAndValue[0] + "): one memory budget is shared by every profile of"
                        + " the web app; set " + SettingNames.PREFIX + perProfileMemory + " instead");
            } else if (!isKnownKey(key, profiles)) {
                // A misspelt secret setting still holds a secret, and a typo need not look like one
                // ("client-secert", "key-store-pasword"): the name is what is wrong, so no value is shown.
                String shown = "<masked>";
                problems.add(key + "='" + shown + "' (" + whereAndValue[0] + "): unknown setting (a typo?); known"
                        + " names are " + new java.util.TreeSet<>(SettingNames.PER_PROFILE));
            }
        });
        sources.sharedKeys().forEach((key, where) -> {
            if (!isKnownKey(key, profiles) && !webAppWideOfAProfile(key, profiles)) {
                // JVM-wide: another deployment (or another loopback.war with other profiles) may own it.
                LOG.log(System.Logger.Level.WARNING, "Ignoring " + where + " " + key
                        + ": not a setting of this loopback (a typo?)");
            }
        });
    }

    /** {@code loopback.<profile>.<web-app-wide setting>} for one of this web app's profiles. */
    private static boolean webAppWideOfAProfile(String key, List<String> profiles) {
        String rest = key.substring(SettingNames.PREFIX.length());
        int dot = rest.indexOf('.');
        return dot > 0 && profiles.contains(rest.substring(0, dot))
                && SettingNames.WEB_APP_WIDE.contains(rest.substring(dot + 1));
    }

    /**
     * The web-app-wide setting among {@code names} that a key like {@code loopback.<profile>.cluster-uri}
     * names, else {@code null}.
     */
    private static String webAppSettingPerProfile(String key, java.util.List<String> names) {
        String rest = key.substring(SettingNames.PREFIX.length());
        int dot = rest.indexOf('.');
        return dot > 0 && names.contains(rest.substring(dot + 1)) ? rest.substring(dot + 1) : null;
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
}
