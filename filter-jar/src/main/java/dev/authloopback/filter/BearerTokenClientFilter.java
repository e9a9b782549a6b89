package dev.authloopback.filter;

import dev.authloopback.filter.internal.FilterSettings;
import dev.authloopback.filter.internal.Placeholders;
import dev.authloopback.filter.internal.Token;
import dev.authloopback.filter.internal.TokenService;
import dev.authloopback.filter.internal.TokenUnavailableException;
import jakarta.annotation.Priority;
import jakarta.servlet.ServletContext;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.client.ClientResponseContext;
import jakarta.ws.rs.client.ClientResponseFilter;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;

/**
 * Adds the bearer header to outbound JAX-RS client calls, with the same settings and token source
 * as {@link BearerTokenFilter}. Uses only the JAX-RS API, so it works with Jersey, RESTEasy or any
 * other client implementation.
 *
 * <p>Two ways to get one:
 * <ul>
 * <li>{@link #fromServletContext(ServletContext)} in a web app whose {@code web.xml} registers
 *     {@link BearerTokenFilter}: shares that filter's HTTP client and near cache; the servlet filter
 *     owns them ({@link #close()} does nothing).</li>
 * <li>{@link #create(Map)} with the same param names as the servlet filter (see its constants):
 *     owns its own HTTP client, so {@link #close()} it when the JAX-RS client goes away.</li>
 * </ul>
 *
 * <pre>{@code
 * Client client = ClientBuilder.newClient()
 *         .register(BearerTokenClientFilter.fromServletContext(servletContext));
 * }</pre>
 *
 * <p>The header replaces any header of the same name already on the request. When no token can be
 * had, {@code on-failure=reject} makes the call fail before it is sent (the filter throws a
 * {@link NoBearerTokenException}, which the client implementation wraps in a {@code ProcessingException});
 * a token answer that could not go into a header as it is (see {@link BearerTokenFilter}) counts as none;
 * {@code continue} sends the call without the header. When the call is answered 401 and
 * {@code evict-on-401} is true, the token is dropped from the near cache and one conditional
 * {@code DELETE} goes to the loopback; the call itself is never retried.
 */
@Priority(Priorities.AUTHENTICATION)
public final class BearerTokenClientFilter implements ClientRequestFilter, ClientResponseFilter, AutoCloseable {

    /** Request property carrying the token used for a call, so its 401 evicts exactly that token. */
    private static final String TOKEN_PROPERTY = BearerTokenClientFilter.class.getName() + ".token";
    private static final String SIGNER_PROPERTY = BearerTokenClientFilter.class.getName() + ".dpop";
    private static final String RETRIED_PROPERTY = BearerTokenClientFilter.class.getName() + ".dpop-retried";
    private static final String DPOP_HEADER = "DPoP";

    private final TokenService service;
    private final boolean owner;

    private BearerTokenClientFilter(TokenService service, boolean owner) {
        if (service == null) {
            throw new IllegalArgumentException("service must not be null");
        }
        this.service = service;
        this.owner = owner;
    }

    /**
     * A filter with its own HTTP client, from the servlet filter's param names
     * ({@link BearerTokenFilter#TOKEN_URL_PARAM} etc.); close it when done.
     *
     * @throws IllegalArgumentException naming every bad param (secret values masked)
     */
    public static BearerTokenClientFilter create(Map<String, String> params) {
        if (params == null) {
            throw new IllegalArgumentException("params must not be null");
        }
        return new BearerTokenClientFilter(
                new TokenService(FilterSettings.from(params, Placeholders.system()), Clock.systemUTC()), true);
    }

    /**
     * The filter sharing the token source of the first {@link BearerTokenFilter} initialised in
     * this web app.
     *
     * @throws IllegalStateException when no BearerTokenFilter has been initialised (yet)
     */
    public static BearerTokenClientFilter fromServletContext(ServletContext context) {
        return fromAttribute(context, BearerTokenFilter.TOKEN_SOURCE_ATTRIBUTE);
    }

    /** As {@link #fromServletContext(ServletContext)}, for the filter with this {@code filter-name}. */
    public static BearerTokenClientFilter fromServletContext(ServletContext context, String filterName) {
        return fromAttribute(context, BearerTokenFilter.TOKEN_SOURCE_ATTRIBUTE + "." + filterName);
    }

    private static BearerTokenClientFilter fromAttribute(ServletContext context, String attribute) {
        if (context == null) {
            throw new IllegalArgumentException("context must not be null");
        }
        Object value = context.getAttribute(attribute);
        if (!(value instanceof TokenService shared)) {
            throw new IllegalStateException("No initialised BearerTokenFilter in this web app (servlet context attribute "
                    + attribute + " is absent); register the filter in web.xml and ask after the filters are initialised"
                    + " (e.g. in a servlet's init or at first request, not in a ServletContextListener)");
        }
        return new BearerTokenClientFilter(shared, false);
    }

    @Override
    public void filter(ClientRequestContext request) throws IOException {
        FilterSettings settings = service.settings();
        // Replace, never merge: drop any header of this name, whatever its case (RFC 9110 §5.1).
        request.getHeaders().keySet().removeIf(settings.header()::equalsIgnoreCase);
        Token token;
        try {
            token = service.token();
        } catch (TokenUnavailableException e) {
            if (settings.onFailure() == FilterSettings.OnFailure.REJECT) {
                throw new NoBearerTokenException(e.detail());
            }
            return;
        }
        DpopProofSigner dpop = service.signerFor(token);
        if (dpop != null) {
            // RFC 9449 §7: "DPoP <token>" and a proof for this very call (htm, htu, ath, the server's nonce).
            request.getHeaders().putSingle(settings.header(), dpop.authorization());
            request.getHeaders().putSingle(DPOP_HEADER, dpop.proof(request.getMethod(), request.getUri()));
            request.setProperty(SIGNER_PROPERTY, dpop);
        } else {
            request.getHeaders().putSingle(settings.header(), settings.headerValue(token.value()));
        }
        request.setProperty(TOKEN_PROPERTY, token);
    }

    @Override
    public void filter(ClientRequestContext request, ClientResponseContext response) throws IOException {
        if (request.getProperty(SIGNER_PROPERTY) instanceof DpopProofSigner dpop) {
            String nonce = response.getHeaderString("DPoP-Nonce");
            dpop.rememberNonce(request.getUri(), nonce);
            if (response.getStatus() == 401 && nonce != null && request.getProperty(RETRIED_PROPERTY) == null
                    && String.valueOf(response.getHeaderString("WWW-Authenticate")).contains("use_dpop_nonce")) {
                // RFC 9449 §9: the resource server wants its nonce in the proof; sign again, once.
                DpopNonceRetry.repeat(request, response, dpop, nonce, RETRIED_PROPERTY);
                if (response.getStatus() != 401) {
                    return;
                }
            }
        }
        if (response.getStatus() == 401 && request.getProperty(TOKEN_PROPERTY) instanceof Token used) {
            service.evict(used);
        }
    }

    /** Releases the HTTP client if this filter owns one ({@link #create(Map)}); otherwise does nothing. */
    @Override
    public void close() {
        if (owner) {
            service.close();
        }
    }
}
