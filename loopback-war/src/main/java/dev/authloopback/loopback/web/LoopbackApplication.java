package dev.authloopback.loopback.web;

import jakarta.ws.rs.core.Application;

import java.util.Map;
import java.util.Set;

/** The JAX-RS application of loopback.war (the admin views under {@code /admin/*}), declared in web.xml (no classpath scanning). */
public final class LoopbackApplication extends Application {
    /** Jersey default providers for types a token API never reads or writes. */
    public static final String UNUSED_DEFAULT_PROVIDERS = "DATASOURCE,DOMSOURCE,RENDEREDIMAGE,SAXSOURCE,SOURCE";

    @Override
    public Set<Class<?>> getClasses() {
        return Set.of(AdminResource.class, AdminNoStoreHeaders.class, WebApplicationExceptionMapper.class);
    }

    /**
     * No WADL and no default providers for types a token API never writes: each would only log a
     * start-up warning about a missing JAXB or Activation API on the server's classpath.
     */
    @Override
    public Map<String, Object> getProperties() {
        return Map.of("jersey.config.server.wadl.disableWadl", true,
                "jersey.config.disableDefaultProvider", UNUSED_DEFAULT_PROVIDERS);
    }
}
