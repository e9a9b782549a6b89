package dev.authloopback.loopback.upstream;

import dev.authloopback.loopback.memory.Reservation;

import java.io.IOException;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Collects an upstream answer body up to a limit; a larger body cancels the exchange instead of
 * filling the heap. The JDK client completes it only when the body ended as its framing says
 * (Content-Length reached, or the last chunk of a chunked body): a cut-off body or a broken chunked
 * stream arrives as {@link #onError}, so a partial answer is never passed on as a complete one.
 *
 * <p>Every byte of its buffer is held in the web app's bytes in flight ({@code max-bytes-in-flight})
 * before it is allocated: a declared body at once and exactly (no copy at the end), a chunked one as
 * its buffer grows. A buffer that does not fit fails the body with {@link NoRoomException}.
 */
final class BoundedBodySubscriber implements BodySubscriber<byte[]> {

    /** The body's failure when the answer is over the limit. */
    static final class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        TooLargeException(long limit) {
            super("answer body over " + limit + " bytes");
        }
    }

    /** The body's failure when its buffer does not fit under max-bytes-in-flight. */
    static final class NoRoomException extends IOException {
        private static final long serialVersionUID = 1L;

        NoRoomException(long bytes) {
            super("no room for " + bytes + " more bytes in flight");
        }
    }

    /** First buffer of a body without Content-Length: a token answer is usually smaller. */
    private static final int FIRST_CHUNKED_BUFFER = 1024;

    private final long limit;
    private final Reservation reservation;
    private byte[] buffer;
    private int size;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    /**
     * @param expected    the declared Content-Length (at most {@code limit}, already held in
     *                    {@code reservation}), or -1
     * @param reservation holds this body's buffer
     */
    BoundedBodySubscriber(long limit, long expected, Reservation reservation) {
        this.limit = limit;
        this.reservation = reservation;
        if (expected >= 0) {
            this.buffer = new byte[(int) expected];
        } else if (reservation.grow(Math.min(limit, FIRST_CHUNKED_BUFFER))) {
            this.buffer = new byte[(int) Math.min(limit, FIRST_CHUNKED_BUFFER)];
        } else {
            this.buffer = new byte[0];
            result.completeExceptionally(new NoRoomException(Math.min(limit, FIRST_CHUNKED_BUFFER)));
        }
    }

    private BoundedBodySubscriber(IOException failure) {
        this.limit = 0;
        this.reservation = null;
        this.buffer = new byte[0];
        result.completeExceptionally(failure);
    }

    /** A body that fails at once, e.g. when the declared Content-Length is already over the limit. */
    static BodySubscriber<byte[]> failing(IOException failure) {
        return new BoundedBodySubscriber(failure);
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        this.subscription = s;
        if (result.isDone()) {
            s.cancel();
        } else {
            s.request(Long.MAX_VALUE);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer item : items) {
            int n = item.remaining();
            if (size + (long) n > limit) {
                fail(new TooLargeException(limit));
                return;
            }
            if (size + n > buffer.length && !grow(size + n)) {
                return;
            }
            item.get(buffer, size, n);
            size += n;
        }
    }

    /** A larger buffer for a body that turned out longer than declared or than the last one. */
    private boolean grow(int needed) {
        int capacity = (int) Math.min(limit, Math.max(needed, (long) buffer.length * 2));
        if (reservation == null || !reservation.grow(capacity - buffer.length)) {
            fail(new NoRoomException(capacity - buffer.length));
            return false;
        }
        buffer = Arrays.copyOf(buffer, capacity);
        return true;
    }

    private void fail(IOException failure) {
        subscription.cancel();
        result.completeExceptionally(failure);
    }

    @Override
    public void onError(Throwable failure) {
        result.completeExceptionally(failure);
    }

    @Override
    public void onComplete() {
        result.complete(size == buffer.length ? buffer : Arrays.copyOf(buffer, size));
    }
}
