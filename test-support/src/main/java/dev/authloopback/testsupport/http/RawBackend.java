package dev.authloopback.testsupport.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A backend that is nothing but a socket on 127.0.0.1: it records the head of every request (request
 * line and header lines) as the bytes that arrived, decoded as ISO-8859-1 so no byte is lost, merged or
 * normalised, answers {@code 200 {}} and closes. Where {@link RecordingBackend} sees headers as an HTTP
 * server parsed them, this one proves what was on the wire: an injected or folded header line shows up
 * as its own line here.
 *
 * <pre>{@code
 * try (RawBackend backend = RawBackend.start()) {
 *     ... call backend.url() ...
 *     assertFalse(backend.heads().get(0).contains("\r\nX-Injected"));
 * }
 * }</pre>
 */
public final class RawBackend implements AutoCloseable {

    /** Heads longer than this are cut: a test backend need not hold a megabyte header. */
    private static final int MAX_HEAD_BYTES = 2 * 1024 * 1024;

    private final ServerSocket socket;
    private final ExecutorService acceptor = Executors.newSingleThreadExecutor(r -> new Thread(r, "raw-backend"));
    private final List<String> heads = new CopyOnWriteArrayList<>();

    private RawBackend() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    public static RawBackend start() {
        try {
            RawBackend backend = new RawBackend();
            backend.acceptor.submit(backend::serve);
            return backend;
        } catch (IOException e) {
            throw new UncheckedIOException("starting the raw backend", e);
        }
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/backend");
    }

    /** Every request head received so far, in arrival order, with its CR LF line ends. */
    public List<String> heads() {
        return List.copyOf(heads);
    }

    private void serve() {
        while (!socket.isClosed()) {
            try (Socket connection = socket.accept()) {
                connection.setSoTimeout(5_000);
                heads.add(readHead(connection.getInputStream()));
                OutputStream out = connection.getOutputStream();
                out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                if (socket.isClosed()) {
                    return;
                }
                // one broken connection; keep serving
            }
        }
    }

    /** Up to and including the empty line that ends the head (or what arrived before the peer stopped). */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        int b;
        while (head.size() < MAX_HEAD_BYTES && (b = in.read()) >= 0) {
            head.write(b);
            last4 = (last4 << 8) | b;
            if (last4 == 0x0D0A0D0A) {
                break;
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        acceptor.shutdownNow();
        try {
            acceptor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
