package dev.authloopback.loopback.intake;

import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.memory.InFlightBytes;
import dev.authloopback.loopback.memory.NoRoomInFlight;
import dev.authloopback.loopback.memory.Reservation;
import dev.authloopback.loopback.metrics.LoopbackMetrics;
import dev.authloopback.loopback.problem.Problem;
import dev.authloopback.loopback.problem.Problems;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request body, collected up to a limit: first whatever can be read without blocking, then
 * (if needed) the rest through the container's non-blocking callbacks, until the body is complete,
 * too large, broken, or the request-body deadline passes. Exactly one of those settles it.
 *
 * <p>A body that must be awaited holds its buffer in the web app's bytes in flight
 * ({@code max-bytes-in-flight}) from the moment it is awaited until the request completes, growing
 * with the buffer: thousands of callers that declare a large body and send it slowly are refused
 * with 503 {@code busy} once the cap is reached, instead of each pinning its buffer on the heap. A
 * body that is already complete when the request arrives (the usual case) reserves nothing: it is
 * read and used on the request's own thread, so the server's threads bound those.
 */
public final class BodyCollector implements ReadListener, AsyncListener {
    private static final System.Logger LOG = System.getLogger(BodyCollector.class.getName());

    private final long declared;
    private final long limit;
    private byte[] bytes;
    private int size;
    private boolean tooLarge;

    private final AtomicBoolean settled = new AtomicBoolean();
    private AsyncContext async;
    private ServletInputStream in;
    private HttpServletResponse response;
    private LoopbackSettings settings;
    private LoopbackMetrics.ProfileMetrics metrics;
    private Reservation reservation;

    /** @param declared the Content-Length (at most {@code limit}), or -1 when the body is chunked */
    public BodyCollector(long declared, long limit) {
        this.declared = declared;
        this.limit = limit;
        this.bytes = new byte[declared > 0 ? (int) declared : 512];
    }

    /**
     * Reads only what {@link ServletInputStream#available()} promises without blocking.
     *
     * @return true when the whole declared body is here; false when the rest must be awaited
     */
    public boolean takeAvailable(ServletInputStream stream) throws IOException {
        if (declared <= 0) {
            return false;
        }
        int available;
        while (size < declared && (available = stream.available()) > 0) {
            int n = stream.read(bytes, size, (int) Math.min(available, declared - size));
            if (n < 0) {
                break;
            }
            size += n;
        }
        return size == declared;
    }

    /** The collected body as the resources take it. */
    public Object result() {
        if (tooLarge) {
            return RequestBody.TOO_LARGE;
        }
        return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
    }

    /**
     * Holds this body's buffer in {@code inFlight}, before its rest is awaited.
     *
     * @return false when it does not fit: the caller is refused ({@link #busy}), nothing is awaited
     */
    public boolean reserve(InFlightBytes inFlight) {
        reservation = inFlight.tryReserve(bytes.length);
        return reservation != null;
    }

    /** The answer to a caller whose body did not fit in {@code max-bytes-in-flight}; its connection is closed. */
    public static Problem busy(InFlightBytes inFlight) {
        return new Problem(503, "busy", "Loopback busy", "the request body did not fit in max-bytes-in-flight="
                + inFlight.limit() + " (" + inFlight.held() + " bytes of other transfers in flight)")
                .header("Retry-After", NoRoomInFlight.RETRY_AFTER_SECONDS).header("Connection", "close");
    }

    /**
     * Reads the rest through non-blocking callbacks; the request is dispatched again when it is
     * complete. Call {@link #reserve} first.
     */
    public void readRest(AsyncContext async, ServletInputStream in, HttpServletResponse response, LoopbackSettings settings,
                  LoopbackMetrics.ProfileMetrics metrics) {
        this.async = async;
        this.in = in;
        this.response = response;
        this.settings = settings;
        this.metrics = metrics;
        async.addListener(this);
        in.setReadListener(this);
    }

    @Override
    public void onDataAvailable() throws IOException {
        while (!settled.get() && in.isReady()) {
            if (size == bytes.length && declared > 0) {
                // The declared body is complete; the container delivers no more than Content-Length,
                // so what is left is its end. No larger buffer (and no reservation) for that.
                if (in.read() < 0) {
                    return; // onAllDataRead follows
                }
                tooLarge = true; // more than its Content-Length: refused, never passed on cut or padded
                settle();
                return;
            }
            if (size == bytes.length) {
                int capacity = (int) Math.min(limit + 1, (long) bytes.length * 2);
                if (!reservation.grow(capacity - bytes.length)) {
                    if (settled.compareAndSet(false, true)) {
                        metrics.refusedInFlight(LoopbackMetrics.SIDE_REQUEST_BODY);
                        answer(busyAnswer());
                    }
                    return;
                }
                bytes = Arrays.copyOf(bytes, capacity);
            }
            int n = in.read(bytes, size, bytes.length - size);
            if (n < 0) {
                return; // onAllDataRead follows
            }
            size += n;
            if (size > limit || declared > 0 && size > declared) {
                tooLarge = size > limit;
                settle();
                return;
            }
        }
    }

    @Override
    public void onAllDataRead() {
        settle();
    }

    /** Body complete (or too large): hand it to the resources on a container thread. */
    private void settle() {
        if (settled.compareAndSet(false, true)) {
            async.getRequest().setAttribute(RequestBody.ATTRIBUTE, result());
            async.dispatch();
        }
    }

    @Override
    public void onError(Throwable failure) {
        // The caller broke its own body (reset, bad chunking): there may be no one left to answer.
        if (settled.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.DEBUG, "request body unreadable: " + failure.getClass().getSimpleName());
            answer(400, "unreadable-request", "Request body unreadable",
                    "the request body could not be read (" + failure.getClass().getSimpleName() + ")");
        }
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        if (settled.compareAndSet(false, true)) {
            metrics.requestBodyTimedOut();
            LOG.log(System.Logger.Level.INFO, "profile=" + settings.profile() + " request body not complete within "
                    + settings.requestBodyTimeout() + " (" + size + " bytes received): 408, connection closed");
            answer(408, "request-body-timeout", "Request body too slow",
                    "the request body did not arrive within request-body-timeout=" + settings.requestBodyTimeout());
        }
    }

    @Override
    public void onError(AsyncEvent event) {
        if (settled.compareAndSet(false, true)) {
            async.complete();
        }
    }

    @Override
    public void onComplete(AsyncEvent event) {
        // The buffer goes with the request, and its bytes leave flight.
        if (reservation != null) {
            reservation.close();
        }
    }

    private Problem busyAnswer() {
        return new Problem(503, "busy", "Loopback busy", "the request body (" + size + " bytes so far) did not fit in"
                + " max-bytes-in-flight").header("Retry-After", NoRoomInFlight.RETRY_AFTER_SECONDS);
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // Not restarted.
    }

    private void answer(int status, String slug, String title, String detail) {
        answer(new Problem(status, slug, title, detail));
    }

    private void answer(Problem problem) {
        try {
            // The rest of the body is never read: the connection cannot carry another request.
            response.setHeader("Connection", "close");
            Problems.write(response, problem);
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "could not answer " + problem.status() + ": "
                    + e.getClass().getSimpleName());
        } finally {
            async.complete();
        }
    }
}
