package dev.authloopback.loopback.web;

import dev.authloopback.loopback.config.InvalidSettingsException;
import dev.authloopback.loopback.config.LoopbackConfiguration;
import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.config.SettingsSources;
import dev.authloopback.loopback.tracing.LoopbackTracing;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and validates the configuration once, builds the {@link LoopbackRuntime}, and closes it
 * with the web app. Invalid configuration fails the deployment with one message naming every bad
 * setting.
 */
public final class LoopbackContextListener implements ServletContextListener {
    /** Optional context attribute holding a {@link Clock}: tests move time instead of sleeping. */
    public static final String CLOCK_ATTRIBUTE = "dev.authloopback.clock";

    private static final System.Logger LOG = System.getLogger(LoopbackContextListener.class.getName());

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        LoopbackConfiguration configuration;
        try {
            configuration = LoopbackConfiguration.from(SettingsSources.of(systemProperties(), System.getenv(),
                    initParams(context)));
        } catch (InvalidSettingsException e) {
            LOG.log(System.Logger.Level.ERROR, "loopback.war not started. " + e.getMessage());
            throw new DeploymentRefused(e.getMessage());
        }
        Object clockAttribute = context.getAttribute(CLOCK_ATTRIBUTE);
        Clock clock = clockAttribute instanceof Clock c ? c : Clock.systemUTC();
        LoopbackRuntime runtime = new LoopbackRuntime(configuration, clock, nodeName(context),
                LoopbackTracing.fromGlobal());
        context.setAttribute(LoopbackRuntime.ATTRIBUTE, runtime);
        configuration.profiles().values().forEach(s -> LOG.log(System.Logger.Level.INFO,
                "Auth Loopback ready at " + context.getContextPath()
                        + ("default".equals(s.profile()) ? "" : "/" + s.profile()) + ": " + s.describe()));
        LOG.log(System.Logger.Level.INFO, "Auth Loopback admin: evict-all-interval="
                + configuration.evictAllInterval());
        configuration.profiles().values().stream().filter(LoopbackSettings::ownsTokensForAnyCaller).forEach(s ->
                LOG.log(System.Logger.Level.WARNING, "Auth Loopback profile " + s.profile() + ": caller-auth=none with"
                        + " client-auth=" + s.clientAuth().method().settingValue() + ": any local process (of any user)"
                        + " that reaches allow-from gets this profile's token without a credential; set shared-secret"
                        + " unless every such process may have it"));
        LOG.log(System.Logger.Level.INFO, "Auth Loopback memory: " + configuration.memory().describe());
        configuration.cluster().ifPresent(c -> LOG.log(System.Logger.Level.INFO, "Auth Loopback cache tier: "
                + c.describe()));
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        Object runtime = event.getServletContext().getAttribute(LoopbackRuntime.ATTRIBUTE);
        event.getServletContext().removeAttribute(LoopbackRuntime.ATTRIBUTE);
        if (runtime instanceof LoopbackRuntime r) {
            r.close();
        }
    }

    /** Host, process and context: enough for an operator to find the node that holds a lease. */
    private static String nodeName(ServletContext context) {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        String path = context.getContextPath().isEmpty() ? "/" : context.getContextPath();
        return host + "/" + ProcessHandle.current().pid() + path + "#"
                + Integer.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextInt(0x10000));
    }

    private static Map<String, String> systemProperties() {
        Map<String, String> values = new LinkedHashMap<>();
        System.getProperties().forEach((k, v) -> values.put(String.valueOf(k), String.valueOf(v)));
        return values;
    }

    private static Map<String, String> initParams(ServletContext context) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : Collections.list(context.getInitParameterNames())) {
            values.put(name, context.getInitParameter(name));
        }
        return values;
    }
}
