package dev.authloopback.loopback.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the duration forms operators write: {@code 28800} (seconds), {@code 28800s}, {@code 500ms},
 * {@code 30m}, {@code 8h}, {@code 1d} and ISO-8601 {@code PT8H}. The suffix forms are rewritten to
 * ISO-8601 and handed to {@link Duration#parse}, so one well-tested parser does the work.
 */
final class DurationValue {
    private static final Pattern SHORT_FORM = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

    private DurationValue() {
    }

    static Duration parse(String text) {
        String value = text.trim();
        Matcher m = SHORT_FORM.matcher(value.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            String number = m.group(1);
            String unit = m.group(2) == null ? "s" : m.group(2);
            String iso = switch (unit) {
                case "ms" -> null;
                case "s" -> "PT" + number + "S";
                case "m" -> "PT" + number + "M";
                case "h" -> "PT" + number + "H";
                default -> "P" + number + "D";
            };
            return iso == null ? Duration.ofMillis(Long.parseLong(number)) : Duration.parse(iso);
        }
        try {
            return Duration.parse(value.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a duration (use 28800, 28800s, 500ms, 30m, 8h, 1d or PT8H)");
        }
    }
}
