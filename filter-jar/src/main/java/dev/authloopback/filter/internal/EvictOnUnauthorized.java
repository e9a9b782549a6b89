package dev.authloopback.filter.internal;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * For async requests the final status is known only when the exchange completes; a 401 then runs
 * the eviction. Public, stateless and with a no-arg constructor because WildFly treats every
 * {@link AsyncListener} in a deployment as an EE component it may instantiate (otherwise it warns
 * WFLYEE0007 at every deployment); the eviction travels in the request it is registered with.
 */
public final class EvictOnUnauthorized implements AsyncListener {
    private static final String EVICTION_ATTRIBUTE = EvictOnUnauthorized.class.getName() + ".eviction";

    public EvictOnUnauthorized() {
        // Stateless: see the class comment.
    }

    /** Runs {@code eviction} once the async exchange completes with 401. */
    public static void register(HttpServletRequest request, HttpServletResponse response, Runnable eviction) {
        request.setAttribute(EVICTION_ATTRIBUTE, eviction);
        request.getAsyncContext().addListener(new EvictOnUnauthorized(), request, response);
    }

    @Override
    public void onComplete(AsyncEvent event) {
        ServletRequest request = event.getSuppliedRequest();
        ServletResponse response = event.getSuppliedResponse();
        if (request != null && response instanceof HttpServletResponse http
                && http.getStatus() == HttpServletResponse.SC_UNAUTHORIZED
                && request.getAttribute(EVICTION_ATTRIBUTE) instanceof Runnable eviction) {
            request.removeAttribute(EVICTION_ATTRIBUTE);
            eviction.run();
        }
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        // The final status is decided by whoever handles the timeout; onComplete follows.
    }

    @Override
    public void onError(AsyncEvent event) {
        // As for onTimeout.
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // A new async cycle drops registered listeners (Servlet 6.0 §2.3.3.3): register again.
        event.getAsyncContext().addListener(this, event.getSuppliedRequest(), event.getSuppliedResponse());
    }
}
