package dev.authloopback.loopback.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses sizes such as {@code 65536}, {@code 64KiB}, {@code 64k}, {@code 1MiB}, {@code 1m}, {@code 1GiB} (binary units). */
final class ByteSize {
    private static final Pattern FORM = Pattern.compile("(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?");

    private ByteSize() {
    }

    static long parse(String text) {
        Matcher m = FORM.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size (use 65536, 64KiB or 1MiB)");
        }
        long number = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        long factor = switch (unit) {
            case "b" -> 1L;
            case "k", "kb", "kib" -> 1024L;
            case "g", "gb", "gib" -> 1024L * 1024L * 1024L;
            default -> 1024L * 1024L;
        };
        return Math.multiplyExact(number, factor);
    }
}
