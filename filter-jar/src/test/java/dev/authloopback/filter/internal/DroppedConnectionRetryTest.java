package dev.authloopback.filter.internal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A keep-alive connection the loopback closed while idle fails when reused, and the JDK client
 * does not repeat a POST by itself: the token client repeats it once, never more.
 */
class DroppedConnectionRetryTest {
    private static final String TOKEN_JSON = "{\"access_token\":\"tok-1\",\"expires_in\":3600}";

    private final ExecutorService acceptor = Executors.newSingleThreadExecutor();
    private final AtomicInteger connections = new AtomicInteger();
    private ServerSocket server;
    private LoopbackTokenClient client;

    @AfterEach
    void stop() throws IOException {
        if (client != null) {
            client.close();
        }
        server.close();
        acceptor.shutdownNow();
    }

    /** Resets the first {@code drops} connections after reading the request, then answers a token. */
    private void serve(int drops) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor.submit(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    int n = connections.incrementAndGet();
                    readRequest(s);
                    if (n <= drops) {
                        s.setSoLinger(true, 0); // RST, as a connection closed under the request
                        continue;
                    }
                    byte[] body = TOKEN_JSON.getBytes(StandardCharsets.UTF_8);
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: \"e1\"\r\nContent-Length: "
                            + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                    out.flush();
                } catch (IOException e) {
                    return;
                }
            }
        });
        client = new LoopbackTokenClient(FilterSettings.from(Map.of(
                "token-url", "http://127.0.0.1:" + server.getLocalPort() + "/loopback",
                "token-body", "grant_type=client_credentials",
                "connect-timeout", "2s", "read-timeout", "3s"), Placeholders.system()), Clock.systemUTC());
    }

    private static void readRequest(Socket s) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        int length = 0;
        String line;
        while ((line = in.readLine()) != null && !line.isEmpty()) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        for (int i = 0; i < length; i++) {
            in.read();
        }
    }

    @Test
    void aTokenRequestWhoseConnectionIsDroppedIsSentOnceMore() throws Exception {
        serve(1);
        Token token = client.token();
        assertEquals("tok-1", token.value());
        assertEquals(2, connections.get());
    }

    @Test
    void neverMoreThanOneRepeat() throws Exception {
        serve(Integer.MAX_VALUE);
        assertThrows(TokenUnavailableException.class, () -> client.token());
        assertEquals(2, connections.get(), "one attempt and one repeat");
    }
}
