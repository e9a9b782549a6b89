package dev.authloopback.sample;

import dev.authloopback.filter.BearerTokenClientFilter;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/** Everything that touches JAX-RS, kept apart so the servlet loads where JAX-RS is absent. */
final class JaxRsBackendCall implements AutoCloseable {

    record Result(int status, String contentType, String body, String failure) {
    }

    private final Client client;
    private final String backendUrl;

    JaxRsBackendCall(String backendUrl, Map<String, String> tokenSettings) {
        this.backendUrl = backendUrl;
        this.client = ClientBuilder.newClient().register(new BearerTokenClientFilter(tokenSettings));
    }

    Result get() {
        try (Response response = client.target(backendUrl).request().get()) {
            Object type = response.getHeaderString("Content-Type");
            return new Result(response.getStatus(), type == null ? null : type.toString(),
                    response.readEntity(String.class), null);
        } catch (ProcessingException e) {
            return new Result(0, null, null, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** True when {@code e} says no JAX-RS API or implementation is visible. */
    static boolean isMissingJaxRs(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NoClassDefFoundError || t instanceof ClassNotFoundException) {
                return true;
            }
            String message = String.valueOf(t.getMessage());
            if (message.contains("jakarta.ws.rs.client.ClientBuilder")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        client.close();
    }
}
