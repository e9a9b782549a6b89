package dev.authloopback.it.support;

import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Runs code (a launcher start) with a thread context class loader that hides this test classpath's
 * Ehcache and Terracotta client: Jetty makes it the parent of the WAR's class loader, so the WAR
 * sees only its own Ehcache, as on a standalone server. {@link LoopbackServer} does the same with
 * hidden class matchers ({@link LoopbackServer#EHCACHE_AND_TERRACOTTA_CLIENT}); the launcher's
 * WebAppContext is not the tests' to configure.
 */
public final class WithoutTestEhcache extends ClassLoader {

    private static final List<String> HIDDEN_RESOURCES = List.of("org/ehcache/", "org/terracotta/", "com/tc/",
            "com/terracotta/", "META-INF/services/org.ehcache.", "META-INF/services/org.terracotta.",
            "META-INF/services/com.tc.");

    private WithoutTestEhcache(ClassLoader parent) {
        super("without-test-ehcache", parent);
    }

    public static <T> T call(Callable<T> action) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(new WithoutTestEhcache(previous));
        try {
            return action.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (hidden(name.replace('.', '/'))) {
            throw new ClassNotFoundException(name + " (hidden from the WAR: the test classpath's copy)");
        }
        return super.loadClass(name, resolve);
    }

    @Override
    public URL getResource(String name) {
        return hidden(name) ? null : super.getResource(name);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        return hidden(name) ? Collections.emptyEnumeration() : super.getResources(name);
    }

    private static boolean hidden(String resource) {
        return HIDDEN_RESOURCES.stream().anyMatch(resource::startsWith);
    }
}
