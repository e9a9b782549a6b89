package dev.authloopback.sample.rest;

import dev.authloopback.filter.BearerTokenClientFilter;
import jakarta.servlet.ServletContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.RuntimeDelegate;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /api/orders}: reports the {@code Authorization} this resource received (inbound, set by
 * {@code BearerTokenFilter}) and calls the backend with a JAX-RS client whose only token code is
 * {@link BearerTokenClientFilter} (outbound). Answers
 * {@code {"inbound":"Bearer","token_sha256":"…","backend_status":200,"jaxrs":"…"}}: a fingerprint,
 * never a token, and the class name of the JAX-RS implementation in use.
 *
 * <p>The backend is the context-param {@value #BACKEND_URL_PARAM}, else the system property
 * {@value #BACKEND_URL_PROPERTY}.
 */
@Path("orders")
public class OrdersResource {

    public static final String BACKEND_URL_PARAM = "backend-url";
    public static final String BACKEND_URL_PROPERTY = "sample.backend-url";
    /** Without either: the stand-in's demo backend (loopback-launcher.jar --stand-in, docs/stand-in.md). */
    public static final String STAND_IN_BACKEND = "http://127.0.0.1:8090/backend";

    @Context
    private ServletContext servletContext;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response orders(@HeaderParam("Authorization") String authorization) {
        String backend = servletContext.getInitParameter(BACKEND_URL_PARAM);
        if (backend == null || backend.isBlank()) {
            backend = System.getProperty(BACKEND_URL_PROPERTY, STAND_IN_BACKEND);
        }
        if (backend == null || backend.isBlank()) {
            return Response.status(500).type("application/problem+json").entity("{\"type\":\"about:blank\",\"title\":"
                    + "\"Backend not configured\",\"status\":500,\"detail\":\"set context-param " + BACKEND_URL_PARAM
                    + " or system property " + BACKEND_URL_PROPERTY + "\"}").build();
        }
        int backendStatus;
        // A client per request keeps the sample short; the token source behind the filter is the
        // servlet filter's, shared and pooled, so no token request is made per client.
        Client client = ClientBuilder.newBuilder().connectTimeout(10, TimeUnit.SECONDS).readTimeout(10, TimeUnit.SECONDS)
                .register(BearerTokenClientFilter.fromServletContext(servletContext)).build();
        try (Response answer = client.target(backend).request().get()) {
            backendStatus = answer.getStatus();
        } catch (ProcessingException e) {
            backendStatus = 0;
        } finally {
            client.close();
        }
        // Which JAX-RS implementation serves this app (Jersey from WEB-INF/lib, or the server's RESTEasy).
        String implementation = RuntimeDelegate.getInstance().getClass().getName();
        return Response.ok("{\"inbound\":\"" + scheme(authorization) + "\",\"token_sha256\":\""
                + fingerprint(authorization) + "\",\"backend_status\":" + backendStatus
                + ",\"jaxrs\":\"" + implementation + "\"}").build();
    }

    /** "Bearer", "none", or "other". */
    static String scheme(String authorization) {
        if (authorization == null) {
            return "none";
        }
        return authorization.startsWith("Bearer ") ? "Bearer" : "other";
    }

    /** First 12 hex digits of SHA-256 of the credentials after the scheme: comparable, not the token. */
    static String fingerprint(String authorization) {
        if (authorization == null || authorization.indexOf(' ') < 0) {
            return "";
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(authorization.substring(authorization.indexOf(' ') + 1).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
