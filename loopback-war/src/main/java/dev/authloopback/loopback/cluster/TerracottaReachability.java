package dev.authloopback.loopback.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;

import static dev.authloopback.loopback.cluster.ClusterLog.LOG;
import static dev.authloopback.loopback.cluster.ClusterLog.describe;

/**
 * Whether any Terracotta server of {@code cluster-uri} accepts a TCP connection. Asked before each
 * attempt to build a cache manager: while nothing listens, building one would only fail after the
 * connection timeout and log Ehcache's and Terracotta's errors on every attempt.
 */
final class TerracottaReachability {
    private final URI uri;
    private final int timeoutMillis;

    /** @param timeout how long one server may take to accept ({@code cluster-connection-timeout}) */
    TerracottaReachability(URI uri, Duration timeout) {
        this.uri = uri;
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    }

    /** Whether a TCP connection to any server is accepted within the timeout; tries them in order. */
    boolean anyServerAccepts() {
        for (String server : servers(uri)) {
            if (accepts(server)) {
                return true;
            }
        }
        return false;
    }

    /** The servers of a cluster URI as written: {@code terracotta://a:9410,b:9410/e} → {@code a:9410}, {@code b:9410}. */
    static List<String> servers(URI uri) {
        return List.of(uri.getRawAuthority().split(","));
    }

    /**
     * The address of one {@code host:port}; an IPv6 host comes in brackets. Unresolved when the name
     * is unknown (connecting then fails).
     *
     * @throws IllegalArgumentException when the port is not a number in range
     */
    static InetSocketAddress address(String server) {
        int colon = server.lastIndexOf(':');
        String host = server.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(host, Integer.parseInt(server.substring(colon + 1)));
    }

    private boolean accepts(String server) {
        try (Socket socket = new Socket()) {
            socket.connect(address(server), timeoutMillis);
            return true;
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "cluster server " + server + " not accepting: " + describe(e));
            return false;
        }
    }
}
