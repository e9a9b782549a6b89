package dev.authloopback.loopback.config;

import dev.authloopback.loopback.dpop.DpopSettings;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Reads a profile's DPoP group: {@code dpop}, {@code dpop-algs}, {@code dpop-proof-max-age}, {@code dpop-replay-memory}. */
final class DpopSettingsReader {
    private DpopSettingsReader() {
    }

    static DpopSettings read(ProfileSource in) {
        boolean enabled = in.value(SettingNames.DPOP, false, DpopSettingsReader::bool);
        List<String> algs = in.value(SettingNames.DPOP_ALGS, DpopSettings.DEFAULT_ALGORITHMS, DpopSettingsReader::algs);
        Duration maxAge = in.value(SettingNames.DPOP_PROOF_MAX_AGE, DpopSettings.DEFAULT_PROOF_MAX_AGE,
                SettingValues::positiveDuration);
        int memory = in.value(SettingNames.DPOP_REPLAY_MEMORY, DpopSettings.DEFAULT_REPLAY_MEMORY,
                SettingValues::positiveInt);
        return new DpopSettings(enabled, algs, maxAge, memory);
    }

    private static boolean bool(String raw) {
        return switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("must be true or false");
        };
    }

    private static List<String> algs(String raw) {
        List<String> algs = Arrays.stream(raw.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (algs.isEmpty() || !DpopSettings.SUPPORTED_ALGORITHMS.containsAll(algs)) {
            throw new IllegalArgumentException("must be a comma-separated list of " + DpopSettings.SUPPORTED_ALGORITHMS);
        }
        return algs;
    }
}
