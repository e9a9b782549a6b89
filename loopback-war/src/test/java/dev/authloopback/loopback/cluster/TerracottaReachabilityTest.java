package dev.authloopback.loopback.cluster;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TerracottaReachabilityTest {

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void theServersOfAClusterUriAreItsAuthoritySplitAtCommas() {
        URI uri = URI.create("terracotta://127.0.0.1:9410,tc.internal:9510/auth-loopback");

        assertEquals(List.of("127.0.0.1:9410", "tc.internal:9510"), TerracottaReachability.servers(uri));
        assertEquals(List.of("[::1]:9510"), TerracottaReachability.servers(URI.create("terracotta://[::1]:9510/e")));
    }

    @Test
    void anIpv6HostLosesItsBracketsAndKeepsItsPort() {
        InetSocketAddress address = TerracottaReachability.address("[::1]:9510");

        assertTrue(address.getAddress().isLoopbackAddress(), address.toString());
        assertEquals(9510, address.getPort(), address.toString());
    }

    @Test
    void aPortThatIsNoPortIsAnIllegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> TerracottaReachability.address("127.0.0.1:70000"));
        assertThrows(IllegalArgumentException.class, () -> TerracottaReachability.address("127.0.0.1:x"));
    }

    @Test
    void oneListeningServerIsEnoughAndNoneIsNotReachable() throws IOException {
        int closed = closedPort();
        try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            URI both = URI.create("terracotta://127.0.0.1:" + closed + ",127.0.0.1:" + listening.getLocalPort() + "/e");
            URI none = URI.create("terracotta://127.0.0.1:" + closed + "/e");

            assertTrue(new TerracottaReachability(both, Duration.ofSeconds(2)).anyServerAccepts());
            assertFalse(new TerracottaReachability(none, Duration.ofSeconds(2)).anyServerAccepts());
        }
    }
}
