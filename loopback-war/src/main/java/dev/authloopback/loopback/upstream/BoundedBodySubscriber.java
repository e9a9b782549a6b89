package dev.authloopback.loopback.upstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * Collects an upstream answer body up to a limit; a larger body cancels the exchange instead of
 * filling the heap. The JDK client completes it only when the body ended as its framing says
 * (Content-Length reached, or the last chunk of a chunked body): a cut-off body or a broken chunked
 * stream arrives as {@link #onError}, so a partial answer is never passed on as a complete one.
 */
final class BoundedBodySubscriber implements BodySubscriber<byte[]> {

    /** The body's failure when the answer is over the limit. */
    static final class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        TooLargeException(long limit) {
            super("answer body over " + limit + " bytes");
        }
    }

    private final long limit;
    private final ByteArrayOutputStream buffer;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    /** @param expected the declared Content-Length, or -1: sizes the buffer once for the usual case */
    BoundedBodySubscriber(long limit, long expected) {
        this.limit = limit;
        this.buffer = new ByteArrayOutputStream(expected > 0 && expected <= limit ? (int) expected : 512);
    }

    /** A body that fails at once, e.g. when the declared Content-Length is already over the limit. */
    static BodySubscriber<byte[]> failing(IOException failure) {
        BoundedBodySubscriber subscriber = new BoundedBodySubscriber(0, -1);
        subscriber.result.completeExceptionally(failure);
        return subscriber;
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
            if (buffer.size() + (long) item.remaining() > limit) {
                subscription.cancel();
                result.completeExceptionally(new TooLargeException(limit));
                return;
            }
            if (item.hasArray()) {
                buffer.write(item.array(), item.arrayOffset() + item.position(), item.remaining());
                item.position(item.limit());
            } else {
                byte[] chunk = new byte[item.remaining()];
                item.get(chunk);
                buffer.write(chunk, 0, chunk.length);
            }
        }
    }

    @Override
    public void onError(Throwable failure) {
        result.completeExceptionally(failure);
    }

    @Override
    public void onComplete() {
        result.complete(buffer.toByteArray());
    }
}
