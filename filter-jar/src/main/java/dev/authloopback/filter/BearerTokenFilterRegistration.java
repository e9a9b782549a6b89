package dev.authloopback.filter;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Registers {@link BearerTokenFilter} from context-params, for web apps that declare nothing in
 * {@code web.xml} (annotated servlets, Jakarta REST, frameworks). Opt-in by ONE context-param:
 * without {@value #URL_PATTERNS_PARAM} this initializer does nothing, so adding the jar alone
 * changes nothing.
 * <ul>
 * <li>{@value #URL_PATTERNS_PARAM}: comma-separated URL patterns the filter is mapped to, e.g.
 *     {@code /api/*}; setting it registers the filter as {@value #FILTER_NAME}</li>
 * <li>{@value #PARAM_PREFIX}{@code <init-param>}: any of the filter's init-params
 *     ({@code bearer-token.token-url}, {@code bearer-token.token-body}, ...), same defaults and rules;
 *     an unknown name fails the web app's start like a misspelt init-param does</li>
 * </ul>
 *
 * <pre>{@code
 * <context-param>
 *   <param-name>bearer-token.url-patterns</param-name>
 *   <param-value>/api/*</param-value>
 * </context-param>
 * <context-param>
 *   <param-name>bearer-token.token-body</param-name>
 *   <param-value>grant_type=client_credentials&amp;scope=orders</param-value>
 * </context-param>
 * }</pre>
 *
 * <p>The container finds this class through {@code META-INF/services} in the filter jar: WildFly
 * always does; Jetty only with its annotations module (the shipped {@code jetty.base} enables it).
 * The filter is mapped before the filters of {@code web.xml}, for {@code REQUEST} dispatches, with
 * async support; {@link BearerTokenClientFilter#fromServletContext(ServletContext)} finds it as usual.
 */
public final class BearerTokenFilterRegistration implements ServletContainerInitializer {

    /** The opt-in context-param: where to map the filter. */
    public static final String URL_PATTERNS_PARAM = "bearer-token.url-patterns";
    /** Context-params starting with this are the filter's init-params. */
    public static final String PARAM_PREFIX = "bearer-token.";
    /** The registered filter's name. */
    public static final String FILTER_NAME = "bearer-token";
    /**
     * Servlet context attribute set when this initializer registered the filter, so its failures
     * name {@code context-param bearer-token.<name>} rather than an init-param nobody wrote.
     */
    static final String REGISTERED_ATTRIBUTE = BearerTokenFilterRegistration.class.getName() + ".registered";

    private static final System.Logger LOG = System.getLogger("dev.authloopback.filter");

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext context) throws ServletException {
        String patterns = context.getInitParameter(URL_PATTERNS_PARAM);
        if (patterns == null || patterns.isBlank()) {
            return;
        }
        String[] mapping = urlPatterns(patterns);
        Map<String, String> params = new LinkedHashMap<>();
        for (String name : Collections.list(context.getInitParameterNames())) {
            if (name.startsWith(PARAM_PREFIX) && !name.equals(URL_PATTERNS_PARAM)) {
                params.put(name.substring(PARAM_PREFIX.length()), context.getInitParameter(name));
            }
        }
        FilterRegistration.Dynamic registration = context.addFilter(FILTER_NAME, BearerTokenFilter.class);
        if (registration == null) {
            throw new ServletException(URL_PATTERNS_PARAM + " is set, but the web app already declares a filter named '"
                    + FILTER_NAME + "' (web.xml or @WebFilter): register the filter one way only");
        }
        registration.setInitParameters(params);
        registration.setAsyncSupported(true);
        registration.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, mapping);
        context.setAttribute(REGISTERED_ATTRIBUTE, Boolean.TRUE);
        LOG.log(Level.INFO, "Bearer token filter {0} registered from context-params {1}* for {2}",
                FILTER_NAME, PARAM_PREFIX, List.of(mapping));
    }

    /** Servlet 6.0 §12.2: a path mapping starts with '/', an extension mapping with "*.". */
    private static String[] urlPatterns(String value) throws ServletException {
        List<String> out = new ArrayList<>();
        for (String part : value.split(",")) {
            String pattern = part.trim();
            if (pattern.isEmpty()) {
                continue;
            }
            if (!pattern.startsWith("/") && !pattern.startsWith("*.")) {
                throw new ServletException(URL_PATTERNS_PARAM + ": '" + value
                        + "' must be comma-separated URL patterns such as /api/* or *.do");
            }
            out.add(pattern);
        }
        if (out.isEmpty()) {
            throw new ServletException(URL_PATTERNS_PARAM + ": '" + value + "' holds no URL pattern");
        }
        return out.toArray(new String[0]);
    }
}
