package dev.authloopback.it.bench;

import dev.authloopback.it.support.LoopbackServer;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.server.handler.DefaultHandler;
import org.eclipse.jetty.util.ClassMatcher;
import org.eclipse.jetty.util.Jetty;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The embedded target: Jetty 12 in a JVM of its own (started by {@link ServerJvm} with a fixed
 * heap), serving the contexts of a {@link BenchBase} the way the shipped jetty.base wires them:
 * <ul>
 *   <li>connector {@code main} on 127.0.0.1 (the {@code http} module's defaults) for the business
 *       apps, virtual host {@code @main};</li>
 *   <li>connector {@code loopback} on 127.0.0.1 with one acceptor, one selector, a thread pool and
 *       {@link HttpConfiguration} of its own ({@code etc/loopback-connector.xml}) for {@code loopback.war}
 *       and the floor servlet, virtual host {@code @loopback};</li>
 *   <li>a 200-thread pool, as jetty-home's {@code threadpool} module;</li>
 *   <li>{@code loopback.war} with {@code loopback.upstream-url} from {@code webapps/loopback.properties}
 *       as context init-param ({@code webapps/loopback.xml}); each business context from the base's
 *       {@code sample-app.war} with its override descriptor ({@code webapps/sample-app.xml}).</li>
 * </ul>
 * Usage: {@code EmbeddedBenchServer <base dir> <main port> <loopback port>}. Runs until the JVM is
 * told to stop (SIGTERM), then stops Jetty.
 */
public final class EmbeddedBenchServer {

    /** Printed on stdout once every context is started. */
    static final String STARTED = "EMBEDDED-BENCH-SERVER STARTED";

    private EmbeddedBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: EmbeddedBenchServer <base dir> <main port> <loopback port>");
            System.exit(2);
        }
        Path base = Path.of(args[0]);
        Server server = server(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        ContextHandlerCollection contexts = new ContextHandlerCollection();
        contexts.addHandler(loopback(base));
        contexts.addHandler(floor(base));
        for (BenchBase.BusinessContext context : BenchBase.BusinessContext.values()) {
            contexts.addHandler(business(base, context));
        }
        server.setHandler(contexts);
        server.setDefaultHandler(new DefaultHandler());
        server.setStopAtShutdown(true);
        try {
            server.start();
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
        System.out.println(STARTED + " Jetty " + Jetty.VERSION);
        server.join();
    }

    private static Server server(int mainPort, int loopbackPort) {
        QueuedThreadPool threads = new QueuedThreadPool(200, 10);
        Server server = new Server(threads);
        server.setStopTimeout(5_000);

        ServerConnector main = new ServerConnector(server, new HttpConnectionFactory(new HttpConfiguration()));
        main.setName("main");
        main.setHost("127.0.0.1");
        main.setPort(mainPort);
        main.setIdleTimeout(30_000);
        server.addConnector(main);

        HttpConfiguration loopbackConfig = new HttpConfiguration();
        loopbackConfig.setSendServerVersion(false);
        loopbackConfig.setSendDateHeader(true);
        // Threads of its own, as etc/loopback-connector.xml gives it.
        QueuedThreadPool loopbackThreads = new QueuedThreadPool(64, 4);
        loopbackThreads.setName("loopback");
        ServerConnector loopback = new ServerConnector(server, loopbackThreads, null, null, 1, 1,
                new HttpConnectionFactory(loopbackConfig));
        loopback.setName("loopback");
        loopback.setHost("127.0.0.1");
        loopback.setPort(loopbackPort);
        loopback.setIdleTimeout(30_000);
        server.addConnector(loopback);
        return server;
    }

    private static Handler loopback(Path base) throws IOException {
        WebAppContext webapp = webapp(BenchBase.LOOPBACK_CONTEXT, base.resolve("webapps/loopback.war"), "@loopback");
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(base.resolve("webapps/loopback.properties"))) {
            properties.load(in);
        }
        webapp.setInitParameter("loopback.upstream-url", properties.getProperty("loopback.upstream-url", ""));
        return webapp;
    }

    private static Handler floor(Path base) {
        return webapp(BenchBase.FLOOR_CONTEXT, base.resolve("bench/floor"), "@loopback");
    }

    private static Handler business(Path base, BenchBase.BusinessContext context) {
        WebAppContext webapp = webapp(context.contextPath(), base.resolve("webapps/sample-app.war"), "@main");
        webapp.setOverrideDescriptor(base.resolve(context.overrideDescriptor()).toString());
        return webapp;
    }

    private static WebAppContext webapp(String contextPath, Path war, String virtualHost) {
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath(contextPath);
        webapp.setWar(war.toString());
        webapp.setVirtualHosts(java.util.List.of(virtualHost));
        webapp.setThrowUnavailableOnStartupException(true);
        // As in the ITs' harness: the WARs bundle slf4j-api while this classpath carries the JUL
        // provider; taking org.slf4j from the server (as jetty-home's logging module does) keeps
        // their SLF4J output instead of a "not a subtype" failure.
        webapp.addProtectedClassMatcher(new ClassMatcher("org.slf4j."));
        // As in LoopbackServer: the WAR's Ehcache, not this classpath's (TerracottaServerHarnessIT's).
        webapp.addHiddenClassMatcher(new ClassMatcher(LoopbackServer.EHCACHE_AND_TERRACOTTA_CLIENT));
        return webapp;
    }
}
