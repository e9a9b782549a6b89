package dev.authloopback.loopback.web;

import dev.authloopback.loopback.config.SettingNames;
import dev.authloopback.loopback.dpop.DpopGate;
import jakarta.servlet.http.HttpServletRequest;

/**
 * What a request is addressed to, read from its path the way web.xml routes it: the admin views
 * (Jersey at {@code /admin/*}) or the token servlet ({@code /*}), where {@code /} (or nothing) is
 * the default profile, {@code /{name}} a named one, and any deeper path ({@code /{name}/},
 * {@code /{name}/more}) names no profile. The one parser: the servlet filters and the token servlet
 * all read the path here, so a request is judged by the rules of the profile that answers it.
 *
 * @param profile the profile the path names, which may be unknown (the default one for the admin
 *                views); {@code null} when the path names none
 * @param admin   addressed to the admin views
 * @param dpopMetadata addressed to a profile's DPoP metadata ({@code /dpop}, {@code /{name}/dpop}); a
 *                profile named {@code dpop} is thus not reachable, and none should be named so
 */
public record RequestTarget(String profile, boolean admin, boolean dpopMetadata) {
    /** The admin views, guarded by the default profile's {@code admin-allow-from} and {@code admin-secret}. */
    public static final RequestTarget ADMIN = new RequestTarget(SettingNames.DEFAULT_PROFILE, true, false);
    private static final RequestTarget DEFAULT = new RequestTarget(SettingNames.DEFAULT_PROFILE, false, false);
    private static final RequestTarget NO_PROFILE = new RequestTarget(null, false, false);
    private static final RequestTarget DEFAULT_DPOP = new RequestTarget(SettingNames.DEFAULT_PROFILE, false, true);
    private static final String DPOP_SUFFIX = "/" + DpopGate.METADATA_PATH;

    public static RequestTarget of(HttpServletRequest request) {
        // web.xml maps the admin views (Jersey) at /admin/* and the token servlet at /*.
        if ("/admin".equals(request.getServletPath())) {
            return ADMIN;
        }
        // The default profile and paths deeper than /{name} cost no allocation.
        String path = request.getPathInfo();
        if (path == null || path.length() <= 1) {
            return DEFAULT;
        }
        int slash = path.indexOf('/', 1);
        if (slash < 0) {
            // "/dpop" is the default profile's DPoP metadata: the filter finds it at token-url + "/dpop".
            return path.equals(DPOP_SUFFIX) ? DEFAULT_DPOP : new RequestTarget(path.substring(1), false, false);
        }
        return path.length() == slash + DPOP_SUFFIX.length() && path.endsWith(DPOP_SUFFIX)
                ? new RequestTarget(path.substring(1, slash), false, true) : NO_PROFILE;
    }
}
