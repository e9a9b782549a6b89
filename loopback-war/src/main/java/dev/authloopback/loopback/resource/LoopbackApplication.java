package dev.authloopback.loopback.resource;

import jakarta.ws.rs.core.Application;

import java.util.Set;

/** The JAX-RS application of loopback.war, declared in web.xml (no classpath scanning). */
public final class LoopbackApplication extends Application {
    @Override
    public Set<Class<?>> getClasses() {
        return Set.of(TokenResource.class, AdminResource.class, NoStoreHeaders.class, UpstreamFailureMapper.class,
                WebApplicationExceptionMapper.class);
    }
}
