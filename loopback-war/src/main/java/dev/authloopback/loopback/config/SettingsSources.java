package dev.authloopback.loopback.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Where settings come from, highest first: system properties, environment, servlet context
 * init-params, the optional properties file. Blank values count as absent. Immutable snapshot taken
 * once at start-up.
 */
public final class SettingsSources {
    private final Map<String, String> systemProperties;
    private final Map<String, String> environment;
    private final Map<String, String> initParams;
    private final Map<String, String> file;
    private final String fileName;

    private SettingsSources(Map<String, String> systemProperties, Map<String, String> environment,
                            Map<String, String> initParams, Map<String, String> file, String fileName) {
        this.systemProperties = Map.copyOf(systemProperties);
        this.environment = Map.copyOf(environment);
        this.initParams = Map.copyOf(initParams);
        this.file = Map.copyOf(file);
        this.fileName = fileName;
    }

    /**
     * @param initParams the web app's {@code loopback.*} context init-params
     * @throws InvalidSettingsException when {@code loopback.config-file} names an unreadable file
     */
    public static SettingsSources of(Map<String, String> systemProperties, Map<String, String> environment,
                                     Map<String, String> initParams) {
        Map<String, String> sys = onlyPrefixed(systemProperties, SettingNames.PREFIX);
        Map<String, String> env = onlyPrefixed(environment, SettingNames.ENV_PREFIX);
        Map<String, String> init = onlyPrefixed(initParams, SettingNames.PREFIX);
        SettingsSources withoutFile = new SettingsSources(sys, env, init, Map.of(), null);
        Optional<String> fileSetting = withoutFile.global(SettingNames.CONFIG_FILE);
        if (fileSetting.isEmpty()) {
            return withoutFile;
        }
        return new SettingsSources(sys, env, init, readFile(fileSetting.get()), fileSetting.get());
    }

    private static Map<String, String> onlyPrefixed(Map<String, String> source, String prefix) {
        Map<String, String> result = new LinkedHashMap<>();
        source.forEach((k, v) -> {
            if (k != null && k.startsWith(prefix) && v != null && !v.isBlank()) {
                result.put(k, v.trim());
            }
        });
        return result;
    }

    private static Map<String, String> readFile(String name) {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(Path.of(name))) {
            properties.load(in);
        } catch (IOException | RuntimeException e) {
            throw new InvalidSettingsException(List.of(SettingNames.PREFIX + SettingNames.CONFIG_FILE + "='" + name
                    + "': cannot be read (" + e.getClass().getSimpleName() + ")"));
        }
        Map<String, String> values = new LinkedHashMap<>();
        properties.stringPropertyNames().forEach(k -> values.put(k, properties.getProperty(k)));
        return onlyPrefixed(values, SettingNames.PREFIX);
    }

    /** The value of a per-profile setting, profile-specific keys first in each source. */
    public Optional<String> lookup(String profile, String name) {
        List<String> dotted = new ArrayList<>(2);
        List<String> env = new ArrayList<>(2);
        if (!SettingNames.DEFAULT_PROFILE.equals(profile)) {
            dotted.add(SettingNames.PREFIX + profile + "." + name);
            env.add(envName(profile + "_" + name));
        } else {
            dotted.add(SettingNames.PREFIX + SettingNames.DEFAULT_PROFILE + "." + name);
        }
        String plainDotted = SettingNames.PREFIX + name;
        String plainEnv = envName(name);
        // A named profile inherits the plain keys: shared defaults need writing once.
        for (String key : dotted) {
            if (systemProperties.containsKey(key)) {
                return Optional.of(systemProperties.get(key));
            }
        }
        if (systemProperties.containsKey(plainDotted)) {
            return Optional.of(systemProperties.get(plainDotted));
        }
        for (String key : env) {
            if (environment.containsKey(key)) {
                return Optional.of(environment.get(key));
            }
        }
        if (environment.containsKey(plainEnv)) {
            return Optional.of(environment.get(plainEnv));
        }
        for (Map<String, String> source : List.of(initParams, file)) {
            for (String key : dotted) {
                if (source.containsKey(key)) {
                    return Optional.of(source.get(key));
                }
            }
            if (source.containsKey(plainDotted)) {
                return Optional.of(source.get(plainDotted));
            }
        }
        return Optional.empty();
    }

    /**
     * Where a setting is written for one profile only ({@code loopback.<profile>.<name>},
     * {@code LOOPBACK_<PROFILE>_<NAME>}), each as {@code key (source)}: for a web-app-wide setting,
     * every such place is a mistake to name.
     */
    List<String> perProfileKeys(String profile, String name) {
        String dotted = SettingNames.PREFIX + profile + "." + name;
        List<String> found = new ArrayList<>(1);
        if (systemProperties.containsKey(dotted)) {
            found.add(dotted + " (system property)");
        }
        if (!SettingNames.DEFAULT_PROFILE.equals(profile) && environment.containsKey(envName(profile + "_" + name))) {
            found.add(envName(profile + "_" + name) + " (environment)");
        }
        if (initParams.containsKey(dotted)) {
            found.add(dotted + " (context init-param)");
        }
        if (file.containsKey(dotted)) {
            found.add(dotted + " (file " + fileName + ")");
        }
        return found;
    }

    /** A setting that is not per profile ({@code profiles}, {@code config-file}). */
    public Optional<String> global(String name) {
        String dotted = SettingNames.PREFIX + name;
        for (Map<String, String> source : List.of(systemProperties, initParams, file)) {
            if (source.containsKey(dotted)) {
                return Optional.of(source.get(dotted));
            }
        }
        return Optional.ofNullable(environment.get(envName(name)));
    }

    static String envName(String name) {
        return SettingNames.ENV_PREFIX + name.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
    }

    /** Keys of the sources private to this web app: a name there that we do not know is a typo. */
    Map<String, String[]> strictKeys() {
        Map<String, String[]> keys = new LinkedHashMap<>();
        initParams.forEach((k, v) -> keys.put(k, new String[] {"context init-param", v}));
        file.forEach((k, v) -> keys.put(k, new String[] {"file " + fileName, v}));
        return keys;
    }

    /** Keys of JVM-wide sources, which other deployments share: unknown names there only warn. */
    Map<String, String> sharedKeys() {
        Map<String, String> keys = new LinkedHashMap<>();
        systemProperties.keySet().forEach(k -> keys.put(k, "system property"));
        return keys;
    }
}
