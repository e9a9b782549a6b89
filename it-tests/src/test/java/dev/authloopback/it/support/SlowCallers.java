package dev.authloopback.it.support;

import dev.authloopback.testsupport.http.RawHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Many callers that send a token request's headers with a large {@code Content-Length} and then
 * trickle its body, one byte per caller every {@code every}, as a hostile local process would. One
 * thread of ours drives all of them; it stops on {@link #close()} or after {@code max}.
 */
public final class SlowCallers implements AutoCloseable {
    private final List<Socket> sockets = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread trickler;
    private final AtomicReferenceArray<RawHttp.Answer> answers;
    private final long[] answeredNanos;
    private final CountDownLatch done;
    private final long openedNanos = System.nanoTime();

    private SlowCallers(URI to, int count, int declaredLength, Duration every, Duration max) throws IOException {
        String head = "POST " + to.getRawPath() + " HTTP/1.1\r\nHost: " + to.getHost() + ":" + to.getPort()
                + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + declaredLength
                + "\r\n\r\ng";
        answers = new AtomicReferenceArray<>(count);
        answeredNanos = new long[count];
        done = new CountDownLatch(count);
        for (int i = 0; i < count; i++) {
            Socket socket = new Socket();
            socket.setSoTimeout(15_000);
            socket.connect(new InetSocketAddress(to.getHost(), to.getPort()), 5_000);
            socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            sockets.add(socket);
            // Read each answer as soon as it comes, before anything could reset the connection.
            int index = i;
            Thread reader = new Thread(() -> {
                try {
                    answers.set(index, RawHttp.parse(socket.getInputStream()));
                    answeredNanos[index] = System.nanoTime();
                } catch (IOException | RuntimeException noAnswer) {
                    // stays null
                } finally {
                    done.countDown();
                }
            }, "slow-caller-" + i);
            reader.setDaemon(true);
            reader.start();
        }
        trickler = new Thread(() -> trickle(every, max), "slow-callers");
        trickler.setDaemon(true);
        trickler.start();
    }

    /** Opens {@code count} connections at once; each has sent its headers and one body byte on return. */
    public static SlowCallers open(URI to, int count, int declaredLength, Duration every, Duration max) {
        try {
            return new SlowCallers(to, count, declaredLength, every, max);
        } catch (IOException e) {
            throw new UncheckedIOException("opening slow callers to " + to, e);
        }
    }

    private void trickle(Duration every, Duration max) {
        long end = System.nanoTime() + max.toNanos();
        while (!stop.get() && System.nanoTime() < end) {
            try {
                Thread.sleep(every.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            for (Socket socket : sockets) {
                try {
                    socket.getOutputStream().write('x');
                    socket.getOutputStream().flush();
                } catch (IOException cutOff) {
                    // The server answered and closed: this caller is done.
                }
            }
        }
    }

    /** Waits (bounded) for every caller's answer; {@code null} where none came. */
    public List<RawHttp.Answer> answers(Duration wait) throws InterruptedException {
        done.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        List<RawHttp.Answer> all = new ArrayList<>();
        for (int i = 0; i < sockets.size(); i++) {
            all.add(answers.get(i));
        }
        return all;
    }

    /** How long after opening the last answer arrived (after {@link #answers}). */
    public Duration lastAnswerAfter() {
        long last = openedNanos;
        for (long at : answeredNanos) {
            last = Math.max(last, at);
        }
        return Duration.ofNanos(last - openedNanos);
    }

    @Override
    public void close() {
        stop.set(true);
        trickler.interrupt();
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
