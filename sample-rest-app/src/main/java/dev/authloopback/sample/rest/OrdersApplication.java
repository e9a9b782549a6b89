package dev.authloopback.sample.rest;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** No classes listed: the JAX-RS implementation finds {@link OrdersResource} by scanning, as most apps rely on. */
@ApplicationPath("/api")
public class OrdersApplication extends Application {
}
