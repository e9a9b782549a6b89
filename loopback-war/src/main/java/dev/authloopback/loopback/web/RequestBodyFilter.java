package dev.authloopback.loopback.web;

import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.intake.BodyCollector;
import dev.authloopback.loopback.intake.BufferedBodyRequest;
import dev.authloopback.loopback.intake.RequestBody;
import dev.authloopback.loopback.metrics.LoopbackMetrics;
import dev.authloopback.loopback.problem.Problems;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * Reads the caller's request body before any resource runs, without ever blocking a thread on a
 * slow caller, and within {@code request-body-timeout}.
 *
 * <ul>
 *   <li>A body that has already arrived (the usual case: a few hundred bytes from a local caller,
 *       in the same packet as the headers) is taken at once, on the request's own thread, using
 *       only what {@link ServletInputStream#available()} says can be read without blocking.</li>
 *   <li>Otherwise the rest is read with non-blocking servlet I/O: the thread goes back to the pool,
 *       the container calls back as bytes arrive, and the request is dispatched again
 *       ({@code ASYNC}) once the body is complete.</li>
 *   <li>A caller that has not sent its whole body within {@code request-body-timeout} (counted from
 *       the end of its headers) gets 408 problem JSON, its connection is closed, and it is counted in
 *       {@code loopback_request_body_timeouts_total}. So hundreds of trickling callers hold
 *       connections, never threads, and never for longer than that.</li>
 * </ul>
 *
 * <p>The body is handed to the resources as a request attribute ({@link RequestBody}). Bodies
 * declared longer than {@code max-request-bytes} are not read at all (the resource answers 413);
 * admin paths and methods without a body pass through untouched. Declared in
 * {@code WEB-INF/web.xml} for the {@code REQUEST} and {@code ASYNC} dispatches.
 */
public final class RequestBodyFilter implements Filter {
    private LoopbackRuntime runtime;

    @Override
    public void init(FilterConfig config) {
        runtime = LoopbackRuntime.of(config.getServletContext());
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        if (request.getDispatcherType() == DispatcherType.ASYNC) {
            Object read = request.getAttribute(RequestBody.ATTRIBUTE);
            chain.doFilter(read instanceof byte[] body ? new BufferedBodyRequest(request, body) : request, res);
            return;
        }
        long declared = request.getContentLengthLong();
        if (!carriesBody(request, declared)) {
            chain.doFilter(req, res);
            return;
        }
        RequestTarget target = RequestTarget.of(request);
        LoopbackSettings settings = runtime.rules(target.profile());
        if (target.admin() || declared > settings.maxRequestBytes()) {
            chain.doFilter(req, res);
            return;
        }
        BodyCollector body = new BodyCollector(declared, settings.maxRequestBytes());
        ServletInputStream in = request.getInputStream();
        if (body.takeAvailable(in)) {
            request.setAttribute(RequestBody.ATTRIBUTE, body.result());
            chain.doFilter(req, res);
            return;
        }
        // Counted under the profile whose rules applied: an unknown name must not become a label.
        LoopbackMetrics.ProfileMetrics metrics = runtime.metrics(settings.profile());
        if (!body.reserve(runtime.inFlight())) {
            metrics.refusedInFlight(LoopbackMetrics.SIDE_REQUEST_BODY);
            Problems.write((HttpServletResponse) res, BodyCollector.busy(runtime.inFlight()));
            return;
        }
        AsyncContext async = request.startAsync();
        async.setTimeout(settings.requestBodyTimeout().toMillis());
        body.readRest(async, in, (HttpServletResponse) res, settings, metrics);
    }

    /** RFC 9112 §6.3: on HTTP/1.1 a request has a body only with Content-Length or Transfer-Encoding. */
    private static boolean carriesBody(HttpServletRequest request, long declared) {
        if (declared == 0) {
            return false;
        }
        String method = request.getMethod();
        if ("GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method) || "TRACE".equals(method)) {
            return false;
        }
        return declared > 0 || request.getHeader("Transfer-Encoding") != null
                || !request.getProtocol().startsWith("HTTP/1");
    }
}
