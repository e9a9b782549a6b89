package dev.authloopback.loopback.web;

import dev.authloopback.loopback.problem.Problems;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.core.Response;

import java.io.IOException;

/**
 * The web app's error page ({@code <error-page>} in {@code WEB-INF/web.xml}, so the same on Jetty
 * and WildFly): errors the container writes itself on the loopback context — a rejected URI, an
 * unserved method, a failure before or outside the JAX-RS resources — become problem JSON like every
 * other loopback answer instead of the server's HTML page. The detail names the status only, never
 * the container's message (it may quote the request).
 */
public final class ErrorPageServlet extends HttpServlet {
    /** Where web.xml maps it; outside every profile name (they start with a letter or digit). */
    public static final String PATH = "/.problem";
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        // Asked for directly, it is just a path that serves nothing.
        int status = request.getDispatcherType() == DispatcherType.ERROR && code instanceof Integer c && c >= 400
                && c <= 599 ? c : 404;
        Response.StatusType info = Response.Status.fromStatusCode(status);
        String title = info == null ? "HTTP " + status : info.getReasonPhrase();
        if (response.isCommitted()) {
            return;
        }
        response.resetBuffer();
        Problems.write(response, status, "http-" + status, title, "the server answered HTTP " + status
                + " (" + title.toLowerCase(java.util.Locale.ROOT) + ") before the loopback could handle the request");
    }
}
