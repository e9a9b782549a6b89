package dev.authloopback.testsupport.http;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Embedded Jetty on 127.0.0.1 and a free port: the one way every test server is built, the
 * harnesses here and it-tests' loopback, business app and benchmark token endpoint alike.
 */
public final class Jetty {

    private Jetty() {
    }

    public static Server server(String name) {
        return server(name, 400);
    }

    /** @param maxThreads the pool size; Jetty's own default (as in a standalone Jetty) is 200 */
    public static Server server(String name, int maxThreads) {
        QueuedThreadPool threads = new QueuedThreadPool(maxThreads, 8);
        threads.setName(name);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        // Large enough that a 200-request herd never waits in the kernel's accept queue.
        connector.setAcceptQueueSize(512);
        server.addConnector(connector);
        server.setStopTimeout(2_000);
        return server;
    }

    /** Threads of the server's pool running a job right now (selectors and acceptors included). */
    public static int busyThreads(Server server) {
        return ((QueuedThreadPool) server.getThreadPool()).getBusyThreads();
    }

    public static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    public static void stop(Server server) {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("stopping " + server, e);
        }
    }
}
