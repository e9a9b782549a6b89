package dev.authloopback.loopback.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The value rules several settings share. Each parses a raw value or throws an
 * {@link IllegalArgumentException} whose message is the rule, which {@link ProfileSource} (or
 * {@link ClusterSettingsReader}) turns into a problem naming the setting and the value.
 */
final class SettingValues {
    /** RFC 9110 §5.6.2 token: the characters a header field name may have. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private SettingValues() {
    }

    static URI httpUrl(String raw) {
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

    static Duration positiveDuration(String raw) {
        Duration d = DurationValue.parse(raw);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("must be a positive duration");
        }
        return d;
    }

    static Duration nonNegativeDuration(String raw) {
        if (raw.trim().startsWith("-")) {
            throw new IllegalArgumentException("must not be negative");
        }
        return DurationValue.parse(raw);
    }

    static long positiveLong(String raw) {
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

    static int port(String raw) {
        long value = positiveLong(raw);
        if (value > 65535) {
            throw new IllegalArgumentException("must be a TCP port, 1..65535");
        }
        return (int) value;
    }

    /** A small count, 1..1000. */
    static int positiveInt(String raw) {
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

    static String headerName(String raw) {
        String name = raw.trim();
        if (!TOKEN.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a valid HTTP header name");
        }
        return name;
    }
}
