package dev.authloopback.loopback.web;

import dev.authloopback.loopback.problem.Problem;
import dev.authloopback.loopback.problem.Problems;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * The allow-list for every request, whatever its method: {@code OPTIONS}, {@code HEAD}, unknown
 * paths and methods no resource serves are refused (403) like token calls are, before anything
 * else answers. Token paths use the profile's {@code allow-from} (the default profile's for an
 * unknown one, or a path that names none: {@link RequestTarget}), {@code /admin/...} uses
 * {@code admin-allow-from} ({@link AllowListGuard}). The resources still check the shared secrets.
 *
 * <p>Declared first in {@code WEB-INF/web.xml}, for the {@code REQUEST} dispatch.
 */
public final class CallerAllowListFilter implements Filter {
    private LoopbackRuntime runtime;

    @Override
    public void init(FilterConfig config) {
        runtime = LoopbackRuntime.of(config.getServletContext());
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        RequestTarget target = RequestTarget.of(request);
        Problem refused = AllowListGuard.check(request, target, runtime.rules(target.profile()));
        if (refused != null) {
            Problems.write((HttpServletResponse) res, refused);
            return;
        }
        chain.doFilter(req, res);
    }
}
