package dev.authloopback.loopback.config;

import dev.authloopback.loopback.credentials.ClusterKeyFile;
import dev.authloopback.loopback.credentials.CredentialFileException;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Reads and validates the web-app-wide cluster settings, adding problems instead of throwing. */
final class ClusterSettingsReader {
    private final SettingsSources sources;
    private final List<String> problems;

    ClusterSettingsReader(SettingsSources sources, List<String> problems) {
        this.sources = sources;
        this.problems = problems;
    }

    /** @return {@code null} without {@code cluster-uri}, or when a problem was found */
    ClusterSettings read() {
        int before = problems.size();
        Optional<String> rawUri = sources.global(SettingNames.CLUSTER_URI);
        if (rawUri.isEmpty()) {
            // A timeout or pool size without a cluster is a half-done configuration, not a no-op.
            for (String setting : SettingNames.CLUSTER) {
                sources.global(setting).ifPresent(v -> problems.add(SettingNames.PREFIX + setting + "='" + v
                        + "': only meaningful with " + SettingNames.PREFIX + SettingNames.CLUSTER_URI
                        + " (the Terracotta server to share the cache through)"));
            }
            return null;
        }
        URI uri = parse(SettingNames.CLUSTER_URI, rawUri.get(), ClusterSettingsReader::terracottaUri, null);
        String resource = value(SettingNames.CLUSTER_RESOURCE, ClusterSettings.DEFAULT_RESOURCE,
                ClusterSettingsReader::resourceName);
        long pool = value(SettingNames.CLUSTER_POOL_SIZE, ClusterSettings.DEFAULT_POOL_BYTES,
                ClusterSettingsReader::poolSize);
        Duration read = value(SettingNames.CLUSTER_READ_TIMEOUT, ClusterSettings.DEFAULT_READ_TIMEOUT,
                SettingValues::positiveDuration);
        Duration write = value(SettingNames.CLUSTER_WRITE_TIMEOUT, ClusterSettings.DEFAULT_WRITE_TIMEOUT,
                SettingValues::positiveDuration);
        Duration connection = value(SettingNames.CLUSTER_CONNECTION_TIMEOUT,
                ClusterSettings.DEFAULT_CONNECTION_TIMEOUT, SettingValues::positiveDuration);
        Duration retry = value(SettingNames.CLUSTER_RETRY_INTERVAL, ClusterSettings.DEFAULT_RETRY_INTERVAL,
                SettingValues::positiveDuration);
        boolean unsealed = value(SettingNames.CLUSTER_UNSEALED, false, ClusterSettingsReader::bool);
        Path keyFile = keyFile(unsealed);
        if (problems.size() > before) {
            return null;
        }
        return new ClusterSettings(uri, resource, pool, read, write, connection, retry, keyFile, unsealed);
    }

    /**
     * The key file, read once now so that a missing, open or malformed file fails the deployment; a
     * cluster without one only when the operator said so.
     */
    private Path keyFile(boolean unsealed) {
        Optional<String> raw = sources.global(SettingNames.CLUSTER_KEY_FILE);
        String name = SettingNames.PREFIX + SettingNames.CLUSTER_KEY_FILE;
        if (raw.isEmpty()) {
            if (!unsealed) {
                problems.add(name + ": required with " + SettingNames.PREFIX + SettingNames.CLUSTER_URI
                        + " (every entry in the Terracotta server is sealed with it; whoever reaches the server's"
                        + " port could otherwise read and change every cached token). Make one with "
                        + ClusterKeyFile.howToMakeOne("/etc/auth-loopback/cluster.keys")
                        + ", copy it to every node and set " + name + " to its path; or set " + SettingNames.PREFIX
                        + SettingNames.CLUSTER_UNSEALED + "=true to share tokens in clear");
            }
            return null;
        }
        if (unsealed) {
            problems.add(name + "='" + raw.get() + "': set together with " + SettingNames.PREFIX
                    + SettingNames.CLUSTER_UNSEALED + "=true; choose one");
            return null;
        }
        Path file = Path.of(raw.get().trim());
        try {
            ClusterKeyFile.read(file);
        } catch (CredentialFileException e) {
            problems.add(name + "='" + raw.get() + "': " + e.getMessage());
        }
        return file;
    }

    private static boolean bool(String raw) {
        return switch (raw.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("must be true or false");
        };
    }

    private <T> T value(String setting, T fallback, Function<String, T> parser) {
        Optional<String> raw = sources.global(setting);
        return raw.isEmpty() ? fallback : parse(setting, raw.get(), parser, fallback);
    }

    private <T> T parse(String setting, String raw, Function<String, T> parser, T fallback) {
        try {
            return parser.apply(raw);
        } catch (RuntimeException e) {
            problems.add(SettingNames.PREFIX + setting + "='" + raw + "': " + e.getMessage());
            return fallback;
        }
    }

    /** {@code terracotta://host:port[,host:port...]/entity}, the form Ehcache's cluster URI takes. */
    private static URI terracottaUri(String raw) {
        URI uri;
        try {
            uri = new URI(raw.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid URI (" + e.getReason() + ")");
        }
        if (!"terracotta".equals(uri.getScheme())) {
            throw new IllegalArgumentException("scheme must be terracotta, as in terracotta://127.0.0.1:9410/auth-loopback");
        }
        if (uri.getRawAuthority() == null || uri.getRawAuthority().isBlank()) {
            throw new IllegalArgumentException("no server address (host:port) in the URI");
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("only servers and an entity name are allowed: terracotta://host:port/entity");
        }
        for (String server : uri.getRawAuthority().split(",")) {
            int colon = server.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("server '" + server + "' has no port (host:port)");
            }
            try {
                int port = Integer.parseInt(server.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("server '" + server + "' has no valid port (1..65535)");
            }
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        if (!path.matches("/[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("the path names the cluster tier manager entity and must be one"
                    + " segment of letters, digits, '.', '_' or '-', as in /auth-loopback");
        }
        return uri;
    }

    private static String resourceName(String raw) {
        String name = raw.trim();
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("not an offheap resource name (letters, digits, '.', '_', '-')");
        }
        return name;
    }

    private static long poolSize(String raw) {
        long bytes = SettingValues.positiveSize(raw);
        if (bytes < ClusterSettings.MIN_POOL_BYTES) {
            throw new IllegalArgumentException("must be at least 1MiB");
        }
        if (bytes % (1024 * 1024) != 0) {
            throw new IllegalArgumentException("must be whole MiB, e.g. 64MiB");
        }
        return bytes;
    }
}
