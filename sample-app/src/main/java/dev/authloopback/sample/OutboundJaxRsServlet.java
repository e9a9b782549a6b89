package dev.authloopback.sample;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * An outbound call made with the JAX-RS client ({@code ClientBuilder.newClient()}) and the
 * filter jar's {@code BearerTokenClientFilter}: the backend gets {@code Authorization: Bearer}
 * although this servlet never copies the incoming request's header.
 *
 * <p>The client filter shares the token source (settings, HTTP client) of the servlet filter
 * named by init-param {@value #TOKEN_FILTER_NAME_PARAM} (default {@code bearer-token}), so
 * web.xml (and any override descriptor) holds the token settings once. Filters are initialised
 * before servlets, so the filter's token source exists when {@link #init()} runs. The JAX-RS implementation is the
 * container's (RESTEasy on WildFly; on embedded Jetty, Jersey from the server classpath). Without
 * one this servlet answers 501 problem JSON; nothing of JAX-RS is touched by this class itself,
 * so it loads either way.
 */
public final class OutboundJaxRsServlet extends HttpServlet {

    public static final String TOKEN_FILTER_NAME_PARAM = "token-filter-name";

    private transient JaxRsBackendCall call;
    private String unavailable;

    @Override
    public void init() throws ServletException {
        String filterName = getInitParameter(TOKEN_FILTER_NAME_PARAM);
        if (filterName == null || filterName.isBlank()) {
            filterName = "bearer-token";
        }
        filterName = filterName.trim();
        if (getServletContext().getFilterRegistration(filterName) == null) {
            throw new ServletException(TOKEN_FILTER_NAME_PARAM + ": no filter named '" + filterName + "' in web.xml");
        }
        String backendUrl = BackendForwardServlet.backendUri(
                getServletContext().getInitParameter(BackendForwardServlet.BACKEND_URL_PARAM)).toString();
        try {
            call = new JaxRsBackendCall(backendUrl, getServletContext(), filterName);
        } catch (LinkageError | RuntimeException e) {
            // No JAX-RS API or implementation visible to this web app (ClientBuilder throws when no
            // provider is found). Only that is tolerated; bad filter settings fail like the filter does.
            if (!isMissingJaxRs(e)) {
                throw new ServletException("outbound JAX-RS client: " + e.getMessage(), e);
            }
            unavailable = e.getClass().getSimpleName() + ": " + e.getMessage();
            log("No JAX-RS client implementation available; /api/outbound answers 501 (" + unavailable + ")");
        }
    }

    /**
     * True when {@code e} says no JAX-RS API or implementation is visible. Lives here, not in
     * {@link JaxRsBackendCall}: that class cannot even be loaded when JAX-RS is missing.
     */
    static boolean isMissingJaxRs(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NoClassDefFoundError || t instanceof ClassNotFoundException) {
                return true;
            }
            if (String.valueOf(t.getMessage()).contains("jakarta.ws.rs.client.ClientBuilder")) {
                return true; // the API is there, but no implementation registered for ClientBuilder
            }
        }
        return false;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (call == null) {
            Problems.write(resp, 501, "No JAX-RS client available",
                    "this container offers no JAX-RS client implementation to the web app");
            return;
        }
        JaxRsBackendCall.Result result = call.get();
        if (result.failure() != null) {
            Problems.write(resp, 502, "Outbound call failed", result.failure());
            return;
        }
        resp.setStatus(result.status());
        if (result.contentType() != null) {
            resp.setContentType(result.contentType());
        }
        resp.getWriter().write(result.body());
    }

    @Override
    public void destroy() {
        if (call != null) {
            call.close();
        }
    }
}
