package dev.authloopback.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.authloopback.testsupport.http.RecordingBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two business apps that declare no filter in web.xml (sample-annotated-app: an @WebServlet;
 * sample-rest-app: Jakarta REST with @ApplicationPath), each asked once: the filter the jar
 * registered from one context-param puts the token on the inbound request, and the app's outbound
 * call (forwarded header; JAX-RS client with BearerTokenClientFilter) reaches the backend with it.
 */
final class AdoptedBusinessApps {

    /** Apps' answer: {"inbound":"Bearer","token_sha256":"…","backend_status":200[,"jaxrs":"…"]}. */
    private static final Pattern ANSWER = Pattern.compile(
            "\\{\"inbound\":\"(\\w+)\",\"token_sha256\":\"(\\w*)\",\"backend_status\":(\\d+)(?:,\"jaxrs\":\"([\\w.$]+)\")?}");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String server;

    AdoptedBusinessApps(String server) {
        this.server = server;
    }

    /**
     * GET {@code url}; the app saw {@code Bearer} inbound, and the backend's newest request carried
     * the same token outbound.
     *
     * @return the JAX-RS implementation the app reported, or null for a servlet app
     */
    String inboundAndOutboundCarryTheToken(URI url, RecordingBackend backend) throws Exception {
        int before = backend.authorizations().size();
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        String seen = server + ": GET " + url + " answered " + answer.statusCode() + " " + answer.body();
        assertEquals(200, answer.statusCode(), seen);
        Matcher m = ANSWER.matcher(answer.body());
        assertTrue(m.matches(), seen);
        assertEquals("Bearer", m.group(1), "inbound: " + seen);
        assertEquals("200", m.group(3), "the backend's answer to the outbound call: " + seen);
        List<String> outbound = backend.authorizations();
        assertEquals(before + 1, outbound.size(), () -> seen + "; backend requests " + outbound);
        String sent = outbound.get(outbound.size() - 1);
        assertTrue(sent.startsWith("Bearer "), () -> "outbound: the backend got " + sent + "; " + seen);
        assertEquals(fingerprint(sent.substring("Bearer ".length())), m.group(2),
                "the outbound call carried the token the app saw inbound: " + seen);
        return m.group(4);
    }

    static String fingerprint(String token) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest).substring(0, 12);
    }
}
