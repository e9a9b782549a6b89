package dev.authloopback.sample;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * The cheapest business request: answers {@code {"bearer":true}} when the request shows an
 * {@code Authorization: Bearer ...} (or {@code DPoP ...}) header and {@code {"bearer":false}} otherwise, with no call to
 * anything else. Behind {@code BearerTokenFilter} its cost is the filter's cost; mapped where the
 * filter does not cover it, it is the same request without a token step. The benchmark measures
 * both side by side (docs/benchmark.md).
 *
 * <p>Each instance counts what it answered; {@code GET <mapping>/counts} returns
 * {@code {"withBearer":n,"withoutBearer":m}} (that request is not counted). A load generator can
 * then check after a run that every request was answered and carried (or lacked) the header,
 * without inspecting each answer itself. The counts are per servlet instance, so two mappings of
 * this class under different servlet names count separately. The header value is never returned.
 */
public final class BearerEchoServlet extends HttpServlet {

    /** Path info (below the servlet's mapping) that answers the counts instead of echoing. */
    public static final String COUNTS_PATH = "/counts";

    private static final String BEARER_SCHEME = "bearer ";
    /** The filter in DPoP mode (docs/dpop.md) sets {@code Authorization: DPoP <token>}: a token all the same. */
    private static final String DPOP_SCHEME = "dpop ";
    private static final byte[] WITH_BEARER = "{\"bearer\":true}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WITHOUT_BEARER = "{\"bearer\":false}".getBytes(StandardCharsets.US_ASCII);

    // LongAdder, not AtomicLong: every request thread increments one of these two.
    private final transient LongAdder withBearer = new LongAdder();
    private final transient LongAdder withoutBearer = new LongAdder();

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (COUNTS_PATH.equals(req.getPathInfo())) {
            write(resp, ("{\"withBearer\":" + withBearer.sum() + ",\"withoutBearer\":" + withoutBearer.sum() + "}")
                    .getBytes(StandardCharsets.US_ASCII));
            return;
        }
        boolean bearer = hasBearer(req.getHeader("Authorization"));
        (bearer ? withBearer : withoutBearer).increment();
        write(resp, bearer ? WITH_BEARER : WITHOUT_BEARER);
    }

    /** RFC 6750 §2.1 / RFC 9110 §11.1: the auth scheme name is case-insensitive. */
    static boolean hasBearer(String authorization) {
        return hasScheme(authorization, BEARER_SCHEME) || hasScheme(authorization, DPOP_SCHEME);
    }

    private static boolean hasScheme(String authorization, String scheme) {
        return authorization != null && authorization.length() > scheme.length()
                && authorization.substring(0, scheme.length()).toLowerCase(Locale.ROOT).equals(scheme);
    }

    private static void write(HttpServletResponse resp, byte[] body) throws IOException {
        resp.setStatus(HttpServletResponse.SC_OK);
        resp.setContentType("application/json");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
