package dev.authloopback.loopback.intake;

import jakarta.servlet.ServletRequest;

import java.io.IOException;
import java.io.InputStream;

/**
 * The caller's request body for the resources: the bytes {@link RequestBodyFilter} already read
 * within the deadline, so a resource never blocks a thread on a slow caller. Without the filter
 * (a test wiring only the servlet) the stream is read as before.
 */
public final class RequestBody {
    /** Request attribute: the body as {@code byte[]}, or {@link #TOO_LARGE}. */
    public static final String ATTRIBUTE = RequestBody.class.getName();
    /** Attribute value for a body that proved longer than {@code max-request-bytes}. */
    static final Object TOO_LARGE = new Object();

    private RequestBody() {
    }

    /** @return the body, or {@code null} when it is longer than {@code limit} bytes */
    public static byte[] of(ServletRequest request, InputStream fallback, long limit) throws IOException {
        Object read = request.getAttribute(ATTRIBUTE);
        if (read instanceof byte[] bytes) {
            return bytes.length > limit ? null : bytes;
        }
        if (read == TOO_LARGE) {
            return null;
        }
        return BoundedBody.read(fallback, limit);
    }
}
