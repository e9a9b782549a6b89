package dev.authloopback.loopback.config;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * One profile's settings as its readers see them: each is looked up under the profile's names,
 * parsed, and a value that breaks its rule becomes a problem naming the setting, the value (masked
 * when secret) and the rule. Problems are added to the shared list in the order settings are read.
 */
final class ProfileSource {
    private final SettingsSources sources;
    private final String profile;
    private final List<String> problems;

    ProfileSource(SettingsSources sources, String profile, List<String> problems) {
        this.sources = sources;
        this.profile = profile;
        this.problems = problems;
    }

    String profile() {
        return profile;
    }

    /** The name an operator writes: {@code loopback.<setting>}, or {@code loopback.<profile>.<setting>}. */
    String name(String setting) {
        return SettingNames.DEFAULT_PROFILE.equals(profile)
                ? SettingNames.PREFIX + setting
                : SettingNames.PREFIX + profile + "." + setting;
    }

    /** @return the parsed value, or {@code null} when it is absent or broke its rule (a problem is recorded) */
    <T> T required(String setting, Function<String, T> parser) {
        Optional<String> raw = sources.lookup(profile, setting);
        if (raw.isEmpty()) {
            problems.add(name(setting) + ": required (system property " + name(setting) + ", env "
                    + SettingsSources.envName(SettingNames.DEFAULT_PROFILE.equals(profile)
                    ? setting : profile + "_" + setting) + " or context init-param)");
            return null;
        }
        return parse(setting, raw.get(), parser, null);
    }

    /** @return the parsed value, or {@code fallback} when it is absent or broke its rule (a problem is recorded) */
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

    /** The raw value, unchecked: for a rule that must not report a bad value twice. */
    Optional<String> raw(String setting) {
        return sources.lookup(profile, setting);
    }

    boolean isSet(String setting) {
        return sources.lookup(profile, setting).isPresent();
    }

    /** A problem found by a rule across settings, already worded with the setting's name. */
    void problem(String message) {
        problems.add(message);
    }

    /** How many problems the whole configuration has so far: a reader compares before and after. */
    int problemCount() {
        return problems.size();
    }
}
