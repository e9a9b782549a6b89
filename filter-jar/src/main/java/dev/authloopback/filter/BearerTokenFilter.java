package dev.authloopback.filter;

import dev.authloopback.filter.internal.BearerRequest;
import dev.authloopback.filter.internal.EvictOnUnauthorized;
import dev.authloopback.filter.internal.FilterSettings;
import dev.authloopback.filter.internal.InvalidSettingsException;
import dev.authloopback.filter.internal.Placeholders;
import dev.authloopback.filter.internal.Problems;
import dev.authloopback.filter.internal.Token;
import dev.authloopback.filter.internal.TokenService;
import dev.authloopback.filter.internal.TokenUnavailableException;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Obtains a token from the auth loopback (or any token endpoint), and passes the request on with
 * {@code Authorization: Bearer <token>} and the raw token in a request attribute.
 *
 * <p>Configured only by init-params; blank counts as absent; anything invalid (or an unknown
 * param name) fails {@link #init(FilterConfig)} with a message naming the param and the value
 * (values of {@code token-body} and {@code token-headers} are masked).
 * <ul>
 * <li>{@value #TOKEN_URL_PARAM}: token endpoint, default {@code http://localhost:8082/loopback}; placeholders as
 *     for {@value #TOKEN_BODY_PARAM}</li>
 * <li>{@value #TOKEN_METHOD_PARAM}: method of the token request, default {@code POST}</li>
 * <li>{@value #TOKEN_BODY_PARAM}: body of the token request, default empty; {@code ${env:NAME}} and
 *     {@code ${sys:name}} are replaced at init, {@code ${sys:name:default}} falls back to {@code default}
 *     (<code>$${</code> for a literal <code>${</code>)</li>
 * <li>{@value #TOKEN_CONTENT_TYPE_PARAM}: default {@code application/x-www-form-urlencoded}</li>
 * <li>{@value #TOKEN_HEADERS_PARAM}: extra headers of the token request, {@code Name: value} entries (values without {@code |})
 *     separated by new lines or {@code |}, with the same substitution, e.g.
 *     {@code Authorization: Basic ${env:CLIENT_CREDENTIALS}}; default none</li>
 * <li>{@value #TOKEN_SECRET_FILE_PARAM}: a file holding the loopback's caller secret (its {@code shared-secret},
 *     which an owning loopback profile requires), read once at init as UTF-8 without trailing line breaks and
 *     sent in {@value #TOKEN_SECRET_HEADER_PARAM} with every token request and eviction; the path takes the same
 *     placeholders; default none. Keeps the secret out of {@code web.xml} and out of the environment of every
 *     process: make it readable by the server's user only</li>
 * <li>{@value #TOKEN_SECRET_HEADER_PARAM}: header carrying it, default {@code X-Loopback-Secret} (the loopback's
 *     {@code shared-secret-header})</li>
 * <li>{@value #TOKEN_PATH_PARAM}: definite JSONPath of the token in the answer, default {@code $.access_token}</li>
 * <li>{@value #HEADER_PARAM}: header to set, default {@code Authorization}</li>
 * <li>{@value #HEADER_VALUE_PARAM}: its value, must contain {@code {token}} and otherwise only visible ASCII,
 *     spaces and tabs, default {@code Bearer {token}}</li>
 * <li>{@value #MAX_TOKEN_LENGTH_PARAM}: longest token put into the header, in characters, default {@code 8192}
 *     (Jetty's and Tomcat's default header limit). Before any header is set, the token must be RFC 6750
 *     {@code b64token} ({@code 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="}), no longer than
 *     this, and the answer's {@code token_type} {@code Bearer} (any case) or absent; otherwise the answer
 *     counts as malformed (503 {@code token-response-malformed} under {@code reject}), is never cached and
 *     the token is never shown</li>
 * <li>{@value #ATTRIBUTE_PARAM}: request attribute holding the raw token, default {@code access_token}</li>
 * <li>{@value #CONNECT_TIMEOUT_PARAM}: default {@code 2s}; {@value #READ_TIMEOUT_PARAM}: default {@code 5s}
 *     (durations: {@code 500ms}, {@code 2s}, {@code 30m}, {@code PT2S}, plain number = seconds). No
 *     request waits for a token longer than connect + read timeout.</li>
 * <li>{@value #ON_FAILURE_PARAM}: {@code reject} (default) answers 503 when the token endpoint is
 *     unreachable, too slow or answers garbage, 502 when it answers an error status, with an
 *     {@code application/problem+json} body, and does not call the chain; {@code continue} calls the
 *     chain without the header (a client-supplied one is removed too)</li>
 * <li>{@value #EVICT_ON_401_PARAM}: default {@code true}; when the chain answers 401, drop the token
 *     from the near cache and send one conditional {@code DELETE} (same body and headers, plus
 *     {@code If-Match} with the token answer's ETag) to the token URL; never a retry</li>
 * <li>{@value #ON_BEHALF_OF_PARAM}: default {@code false}; {@code true}: each request's inbound
 *     {@code Authorization: Bearer <user token>} is sent to the loopback's exchange profile as
 *     {@code subject_token} (after {@value #TOKEN_BODY_PARAM}), and the exchanged token goes to the
 *     request attribute and to {@link BearerTokenClientFilter} calls made on the request's thread; the
 *     inbound {@code Authorization} is left as it is. No user token: 401 problem, never a service token.
 *     A 401 from downstream evicts that user's entry only</li>
 * <li>{@value #ON_BEHALF_OF_CACHE_BYTES_PARAM}: bytes of the per-user near cache, default 4 MiB
 *     ({@code 0} = off); entries live at most {@value #LOCAL_TTL_PARAM} and never past either token</li>
 * <li>{@value #LOCAL_TTL_PARAM}: in-process near cache, default {@code 10s} ({@code 0} = off: ask the
 *     loopback on every request); an entry never lives longer than the token's {@code expires_in} −
 *     min(60s, expires_in / 10), and a 401 evicts it at once</li>
 * </ul>
 *
 * <pre>{@code
 * <filter>
 *   <filter-name>bearer-token</filter-name>
 *   <filter-class>dev.authloopback.filter.BearerTokenFilter</filter-class>
 *   <init-param>
 *     <param-name>token-url</param-name>
 *     <param-value>http://localhost:8082/loopback</param-value>
 *   </init-param>
 *   <init-param>
 *     <param-name>token-body</param-name>
 *     <param-value>grant_type=client_credentials&amp;scope=orders</param-value>
 *   </init-param>
 *   <init-param>
 *     <param-name>token-headers</param-name>
 *     <param-value>Authorization: Basic ${env:CLIENT_CREDENTIALS}</param-value>
 *   </init-param>
 * </filter>
 * <filter-mapping>
 *   <filter-name>bearer-token</filter-name>
 *   <url-pattern>/api/*</url-pattern>
 * </filter-mapping>
 * }</pre>
 *
 * <p>Without a {@code web.xml} entry, {@link BearerTokenFilterRegistration} registers this filter from
 * context-params {@code bearer-token.*} (opt-in by {@code bearer-token.url-patterns}).
 * {@code token-url} takes the same placeholders as {@code token-body}, e.g.
 * {@code http://localhost:${sys:auth-loopback.port:8082}/loopback}. A failure's problem detail and
 * WARNING line name the request made (URL with user info and query masked) and the param to change.
 *
 * <p>After init the filter publishes its token source in the servlet context, so outbound JAX-RS
 * calls can carry the same token: {@link BearerTokenClientFilter#fromServletContext(ServletContext)}.
 * One pooled keep-alive JDK HTTP client per filter instance, released in {@link #destroy()}.
 */
public final class BearerTokenFilter implements Filter {

    public static final String TOKEN_URL_PARAM = "token-url";
    public static final String TOKEN_METHOD_PARAM = "token-method";
    public static final String TOKEN_BODY_PARAM = "token-body";
    public static final String TOKEN_CONTENT_TYPE_PARAM = "token-content-type";
    public static final String TOKEN_HEADERS_PARAM = "token-headers";
    public static final String TOKEN_SECRET_FILE_PARAM = "token-secret-file";
    public static final String TOKEN_SECRET_HEADER_PARAM = "token-secret-header";
    public static final String TOKEN_PATH_PARAM = "token-path";
    public static final String HEADER_PARAM = "header";
    public static final String HEADER_VALUE_PARAM = "header-value";
    public static final String ATTRIBUTE_PARAM = "attribute";
    public static final String CONNECT_TIMEOUT_PARAM = "connect-timeout";
    public static final String READ_TIMEOUT_PARAM = "read-timeout";
    public static final String ON_FAILURE_PARAM = "on-failure";
    public static final String EVICT_ON_401_PARAM = "evict-on-401";
    public static final String LOCAL_TTL_PARAM = "local-ttl";
    public static final String MAX_TOKEN_LENGTH_PARAM = "max-token-length";
    public static final String ON_BEHALF_OF_PARAM = "on-behalf-of";
    public static final String ON_BEHALF_OF_CACHE_BYTES_PARAM = "on-behalf-of-cache-bytes";
    /** {@code true}: DPoP (RFC 9449) mode, see docs/dpop.md; default {@code false}. */
    public static final String DPOP_PARAM = "dpop";
    /** A private JWK file shared by the nodes of one app (implies {@code dpop=true}); default: a key per instance. */
    public static final String DPOP_KEY_FILE_PARAM = "dpop-key-file";

    /**
     * Servlet context attribute under which an initialised filter publishes its token source (the
     * first filter to init; each filter also under this name + {@code "." + filter-name}). Read it
     * through {@link BearerTokenClientFilter#fromServletContext(ServletContext)}.
     */
    public static final String TOKEN_SOURCE_ATTRIBUTE = "dev.authloopback.filter.TokenSource";

    /** Optional servlet context attribute holding a {@link Clock} for the near cache (tests). */
    public static final String CLOCK_ATTRIBUTE = "dev.authloopback.clock";

    private static final System.Logger LOG = System.getLogger("dev.authloopback.filter");

    private volatile TokenService service;
    private volatile ServletContext context;
    private volatile String ownAttribute;

    @Override
    public void init(FilterConfig config) throws ServletException {
        Map<String, String> params = new LinkedHashMap<>();
        for (String name : Collections.list(config.getInitParameterNames())) {
            params.put(name, config.getInitParameter(name));
        }
        String filterName = config.getFilterName();
        ServletContext ctx = config.getServletContext();
        // Registered by BearerTokenFilterRegistration: the operator wrote context-params, so name those.
        boolean fromContextParams = ctx != null && BearerTokenFilterRegistration.FILTER_NAME.equals(filterName)
                && Boolean.TRUE.equals(ctx.getAttribute(BearerTokenFilterRegistration.REGISTERED_ATTRIBUTE));
        UnaryOperator<String> paramLabel = fromContextParams
                ? name -> "context-param " + BearerTokenFilterRegistration.PARAM_PREFIX + name
                : name -> "init-param " + name + " of filter " + filterName;
        TokenService created;
        try {
            FilterSettings settings = FilterSettings.from(params, Placeholders.system());
            Object clock = ctx == null ? null : ctx.getAttribute(CLOCK_ATTRIBUTE);
            created = new TokenService(settings, clock instanceof Clock c ? c : Clock.systemUTC(), paramLabel);
        } catch (InvalidSettingsException e) {
            if (fromContextParams) {
                throw new ServletException("Filter " + filterName + " (registered from context-params "
                        + BearerTokenFilterRegistration.PARAM_PREFIX + "*): invalid configuration: "
                        + String.join("; ", e.problems().stream()
                                .map(problem -> BearerTokenFilterRegistration.PARAM_PREFIX + problem).toList()));
            }
            throw new ServletException("Filter " + filterName + ": " + e.getMessage());
        }
        this.service = created;
        this.context = ctx;
        if (ctx != null) {
            ownAttribute = TOKEN_SOURCE_ATTRIBUTE + "." + filterName;
            ctx.setAttribute(ownAttribute, created);
            if (ctx.getAttribute(TOKEN_SOURCE_ATTRIBUTE) == null) {
                ctx.setAttribute(TOKEN_SOURCE_ATTRIBUTE, created);
            }
        }
        LOG.log(Level.INFO, "Bearer token filter {0}: {1}", filterName, created.settings());
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        TokenService current = service;
        if (current == null) {
            throw new ServletException("BearerTokenFilter used before init() or after destroy()");
        }
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
            chain.doFilter(req, res);
            return;
        }
        FilterSettings settings = current.settings();
        if (settings.onBehalfOf()) {
            onBehalfOf(current, settings, request, response, chain);
            return;
        }
        Token token;
        try {
            token = current.token();
        } catch (TokenUnavailableException e) {
            if (settings.onFailure() == FilterSettings.OnFailure.REJECT) {
                Problems.write(response, e);
            } else {
                chain.doFilter(new BearerRequest(request, settings.header(), null), response);
            }
            return;
        }
        DpopProofSigner dpop = current.signerFor(token);
        // A DPoP-bound token is sent as "DPoP <token>" (RFC 9449 §7.1); the proof for the app's own
        // call is signed by app code through the signer attribute, as only it knows the URL.
        BearerRequest wrapped = new BearerRequest(request, settings.header(),
                dpop != null ? dpop.authorization() : settings.headerValue(token.value()));
        wrapped.setAttribute(settings.attribute(), token.value());
        if (dpop != null) {
            wrapped.setAttribute(DpopProofSigner.ATTRIBUTE, dpop);
        }
        chain.doFilter(wrapped, response);
        if (!settings.evictOn401()) {
            return;
        }
        // The status is read from the response itself (Servlet 3.0+ getStatus reflects setStatus and
        // sendError alike), so no response wrapper sits between the application and the container.
        if (wrapped.isAsyncStarted()) {
            EvictOnUnauthorized.register(wrapped, response, () -> current.evict(token));
        } else if (response.getStatus() == HttpServletResponse.SC_UNAUTHORIZED) {
            current.evict(token);
        }
    }

    /**
     * On-behalf-of mode: the inbound user token is exchanged at the loopback; the exchanged token goes
     * to the request attribute and to outbound calls made on this thread, never into the inbound
     * {@code Authorization}, which the app's own security checks for its own audience.
     */
    private static void onBehalfOf(TokenService service, FilterSettings settings, HttpServletRequest request,
                                   HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String user = dev.authloopback.filter.internal.UserToken.fromAuthorization(
                request.getHeader("Authorization"), settings.maxTokenLength());
        if (user == null) {
            Problems.writeUnauthorized(response, "user-token-required", "User token required",
                    "this request is served on behalf of its user: send Authorization: Bearer with the user's token");
            return;
        }
        Token token;
        try {
            token = service.tokenFor(user);
        } catch (TokenUnavailableException e) {
            if (e.kind() == TokenUnavailableException.Kind.ERROR_STATUS && e.status() == 401) {
                Problems.writeUnauthorized(response, "user-token-not-accepted", "User token not accepted",
                        "the loopback did not accept the user's token for an exchange (expired, or not for this app)");
            } else {
                // No fallback to a service token, whatever on-failure says: the call would act as the app.
                Problems.write(response, e);
            }
            return;
        }
        request.setAttribute(settings.attribute(), token.value());
        String outer = service.bind(user);
        try {
            chain.doFilter(request, response);
            if (settings.evictOn401() && !request.isAsyncStarted()
                    && response.getStatus() == HttpServletResponse.SC_UNAUTHORIZED) {
                service.evict(token);
            }
        } finally {
            service.restore(outer);
        }
    }

    @Override
    public void destroy() {
        TokenService current = service;
        service = null;
        ServletContext ctx = context;
        if (ctx != null && current != null) {
            if (ctx.getAttribute(TOKEN_SOURCE_ATTRIBUTE) == current) {
                ctx.removeAttribute(TOKEN_SOURCE_ATTRIBUTE);
            }
            if (ownAttribute != null && ctx.getAttribute(ownAttribute) == current) {
                ctx.removeAttribute(ownAttribute);
            }
        }
        if (current != null) {
            current.close();
        }
    }
}
