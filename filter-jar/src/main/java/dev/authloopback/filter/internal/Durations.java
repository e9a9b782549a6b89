package dev.authloopback.filter.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the duration syntax shared with loopback.war's settings: {@code 2} (seconds), {@code 500ms},
 * {@code 2s}, {@code 30m}, {@code 8h}, {@code 1d} and ISO-8601 {@code PT2S}.
 */
public final class Durations {

    private static final Pattern SHORT = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h|d)?");

    private Durations() {
    }

    /**
     * @return the parsed duration
     * @throws IllegalArgumentException with a message describing the accepted syntax
     */
    public static Duration parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        if (value.startsWith("p")) {
            try {
                return Duration.parse(value.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("not an ISO-8601 duration");
            }
        }
        Matcher m = SHORT.matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a duration such as 500ms, 2s, 30m, 8h, 1d, PT2S or plain seconds");
        }
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        switch (unit) {
            case "ms": return Duration.ofMillis(amount);
            case "m": return Duration.ofMinutes(amount);
            case "h": return Duration.ofHours(amount);
            case "d": return Duration.ofDays(amount);
            default: return Duration.ofSeconds(amount);
        }
    }

    /** Human form for logs and messages: {@code 500ms}, {@code 2s}. */
    public static String format(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
