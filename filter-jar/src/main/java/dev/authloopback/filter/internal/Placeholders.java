package dev.authloopback.filter.internal;

import java.util.function.UnaryOperator;

/**
 * Resolves {@code ${env:NAME}} and {@code ${sys:name}} in init-param values, so client secrets can
 * live in the environment or in system properties instead of {@code web.xml}, and deployment-time
 * values (the loopback's port) can come from the server: {@code ${sys:name:default}} uses
 * {@code default} when the variable is not set (the {@code ${name:default}} form WildFly uses).
 * <code>$${</code> is a literal <code>${</code>. Error messages name the placeholder, never the
 * resolved value.
 */
public final class Placeholders {

    private final UnaryOperator<String> env;
    private final UnaryOperator<String> sys;

    public Placeholders(UnaryOperator<String> env, UnaryOperator<String> sys) {
        if (env == null || sys == null) {
            throw new IllegalArgumentException("env and sys lookups must not be null");
        }
        this.env = env;
        this.sys = sys;
    }

    public static Placeholders system() {
        return new Placeholders(System::getenv, System::getProperty);
    }

    /**
     * @throws IllegalArgumentException naming the placeholder (e.g. {@code ${env:CLIENT_SECRET} is
     *                                  not set}); the message never contains any part of the value
     */
    public String resolve(String value) {
        StringBuilder out = new StringBuilder(value.length());
        int i = 0;
        while (i < value.length()) {
            if (value.startsWith("$${", i)) {
                out.append("${");
                i += 3;
                continue;
            }
            if (!value.startsWith("${", i)) {
                out.append(value.charAt(i++));
                continue;
            }
            int end = value.indexOf('}', i + 2);
            if (end < 0) {
                throw new IllegalArgumentException("unterminated ${ placeholder");
            }
            String ref = value.substring(i + 2, end);
            out.append(lookup(ref));
            i = end + 1;
        }
        return out.toString();
    }

    private String lookup(String ref) {
        int colon = ref.indexOf(':');
        String kind = colon < 0 ? "" : ref.substring(0, colon);
        String name = colon < 0 ? "" : ref.substring(colon + 1).trim();
        String fallback = null;
        int defaultColon = name.indexOf(':');
        if (defaultColon >= 0) {
            fallback = name.substring(defaultColon + 1);
            name = name.substring(0, defaultColon).trim();
        }
        if (name.isEmpty() || !name.matches("[A-Za-z0-9_.\\-]+")) {
            throw new IllegalArgumentException("placeholder ${" + safe(ref) + "} must be ${env:NAME} or ${sys:name}"
                    + " (optionally with :default)");
        }
        String resolved;
        if ("env".equals(kind)) {
            resolved = env.apply(name);
        } else if ("sys".equals(kind)) {
            resolved = sys.apply(name);
        } else {
            throw new IllegalArgumentException("placeholder ${" + safe(ref) + "} must be ${env:NAME} or ${sys:name}"
                    + " (optionally with :default)");
        }
        if (resolved == null && fallback != null) {
            return fallback;
        }
        if (resolved == null) {
            throw new IllegalArgumentException("${" + kind + ":" + name + "} is not set");
        }
        return resolved;
    }

    /** A placeholder reference is a name, not a secret; still keep it short and printable. */
    private static String safe(String ref) {
        String s = ref.replaceAll("[^A-Za-z0-9_.:\\-]", "?");
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
