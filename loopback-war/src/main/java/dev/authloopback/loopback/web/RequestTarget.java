package dev.authloopback.loopback.web;

import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.config.SettingNames;
import dev.authloopback.loopback.proxy.TokenProxy;
import jakarta.servlet.http.HttpServletRequest;

/**
 * What a request is addressed to, read from its path the way the resources route it: the admin
 * views ({@code /admin/...}) or a token profile ({@code /} is the default one, {@code /{profile}} a
 * named one). Servlet filters use it to apply a profile's rules before any resource runs.
 *
 * @param profile the profile named by the path; may be unknown
 */
public record RequestTarget(String profile, boolean admin) {
    private static final String ADMIN = "admin";

    public static RequestTarget of(HttpServletRequest request) {
        // web.xml maps the admin views (Jersey) at /admin/* and the token servlet at /*.
        if ("/admin".equals(request.getServletPath())) {
            return new RequestTarget(SettingNames.DEFAULT_PROFILE, true);
        }
        String path = request.getPathInfo();
        if (path == null || path.length() <= 1) {
            return new RequestTarget(SettingNames.DEFAULT_PROFILE, false);
        }
        int end = path.indexOf('/', 1);
        String first = end < 0 ? path.substring(1) : path.substring(1, end);
        return ADMIN.equals(first) ? new RequestTarget(SettingNames.DEFAULT_PROFILE, true)
                : new RequestTarget(first, false);
    }

    /** The profile's settings; an unknown profile gets the default one's, so strangers learn nothing. */
    public LoopbackSettings settings(LoopbackRuntime runtime) {
        // Both servlet filters ask on every request: a map lookup, no Optional or lambda.
        TokenProxy proxy = runtime.proxyOrNull(profile);
        return (proxy != null ? proxy : runtime.proxyOrNull(SettingNames.DEFAULT_PROFILE)).settings();
    }
}
