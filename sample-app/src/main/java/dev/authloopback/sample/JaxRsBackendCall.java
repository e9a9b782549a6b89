package dev.authloopback.sample;

import dev.authloopback.filter.BearerTokenClientFilter;
import dev.authloopback.filter.NoBearerTokenException;
import jakarta.servlet.ServletContext;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.core.Response;

/** Everything that touches JAX-RS, kept apart so the servlet loads where JAX-RS is absent. */
final class JaxRsBackendCall implements AutoCloseable {

    record Result(int status, String contentType, String body, String failure) {
    }

    private final Client client;
    private final BearerTokenClientFilter tokenFilter;
    private final String backendUrl;

    /** Shares the token source (HTTP client, settings) of the servlet filter named {@code filterName}. */
    JaxRsBackendCall(String backendUrl, ServletContext context, String filterName) {
        this.backendUrl = backendUrl;
        this.tokenFilter = BearerTokenClientFilter.fromServletContext(context, filterName);
        this.client = ClientBuilder.newClient().register(tokenFilter);
    }

    Result get() {
        try (Response response = client.target(backendUrl).request().get()) {
            Object type = response.getHeaderString("Content-Type");
            return new Result(response.getStatus(), type == null ? null : type.toString(),
                    response.readEntity(String.class), null);
        } catch (ProcessingException e) {
            return new Result(0, null, null, safeDetail(e));
        }
    }

    /**
     * The token filter's own message is safe to show; any other message may quote the request (a
     * connector's "illegal character in header value: ..." holds the value), so only class names.
     */
    static String safeDetail(ProcessingException e) {
        if (e.getCause() instanceof NoBearerTokenException noToken) {
            return noToken.getMessage();
        }
        return e.getClass().getSimpleName() + (e.getCause() == null ? "" : " (" + e.getCause().getClass().getSimpleName() + ")");
    }

    @Override
    public void close() {
        client.close();
        tokenFilter.close();
    }
}
