package dev.authloopback.loopback.upstream;

import dev.authloopback.loopback.BoundedBody;
import dev.authloopback.loopback.config.LoopbackSettings;
import dev.authloopback.loopback.proxy.TokenRequest;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import dev.authloopback.loopback.resource.LoopbackApplication;
import org.glassfish.jersey.CommonProperties;
import org.glassfish.jersey.client.ClientProperties;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The one place that talks to the real token endpoint: a Jersey client with keep-alive, connect and
 * read timeouts, no redirects, and an answer size limit. Forwards method, body, Content-Type, Accept,
 * Authorization and the configured key headers unchanged.
 */
public final class UpstreamTokenClient implements AutoCloseable {
    private final LoopbackSettings settings;
    private final Client client;

    public UpstreamTokenClient(LoopbackSettings settings) {
        this.settings = settings;
        this.client = ClientBuilder.newBuilder()
                .connectTimeout(settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(settings.readTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .property(ClientProperties.FOLLOW_REDIRECTS, false)
                // Bytes in, bytes out: without these default providers Jersey logs no warning about
                // the Activation/JAXB APIs a servlet container need not have.
                .property(CommonProperties.PROVIDER_DEFAULT_DISABLE, LoopbackApplication.UNUSED_DEFAULT_PROVIDERS)
                .build();
    }

    /**
     * @return the upstream's answer, whatever its status
     * @throws UpstreamFailure when there is no complete HTTP answer within the limits
     */
    public UpstreamAnswer exchange(TokenRequest request) {
        // Latency is measured on the monotonic clock, not the injected one: it is for logs only.
        long started = System.nanoTime();
        Invocation.Builder call = client.target(settings.upstreamUrl()).request();
        if (request.accept() != null) {
            call.header(HttpHeaders.ACCEPT, request.accept());
        }
        if (request.authorization() != null) {
            call.header(HttpHeaders.AUTHORIZATION, request.authorization());
        }
        for (Map.Entry<String, String> header : request.keyHeaders().entrySet()) {
            if (header.getValue() != null) {
                call.header(header.getKey(), header.getValue());
            }
        }
        Response response;
        try {
            boolean hasBody = request.body().length > 0 && !"GET".equals(request.method());
            response = hasBody
                    ? call.method(request.method(), Entity.entity(request.body(), request.contentType()))
                    : call.method(request.method());
        } catch (ProcessingException e) {
            throw failure(e, started);
        }
        try (response) {
            byte[] body = readLimited(response, started);
            return new UpstreamAnswer(response.getStatus(), response.getHeaderString(HttpHeaders.CONTENT_TYPE), body,
                    response.getHeaderString("Retry-After"), response.getHeaderString(HttpHeaders.WWW_AUTHENTICATE),
                    elapsed(started));
        } catch (ProcessingException e) {
            throw failure(e, started);
        }
    }

    private byte[] readLimited(Response response, long started) {
        long limit = settings.maxResponseBytes();
        String declared = response.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (declared != null && declared.matches("\\d{1,18}") && Long.parseLong(declared) > limit) {
            throw new UpstreamFailure(UpstreamFailure.Kind.ANSWER_TOO_LARGE,
                    "answer of " + declared + " bytes exceeds max-response-bytes=" + limit, elapsed(started));
        }
        if (!response.hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = response.readEntity(InputStream.class)) {
            byte[] body = BoundedBody.read(in, limit);
            if (body == null) {
                throw new UpstreamFailure(UpstreamFailure.Kind.ANSWER_TOO_LARGE,
                        "answer exceeds max-response-bytes=" + limit, elapsed(started));
            }
            return body;
        } catch (IOException e) {
            throw failure(e, started);
        }
    }

    private UpstreamFailure failure(Exception e, long started) {
        Throwable cause = e;
        while (cause.getCause() != null && cause instanceof ProcessingException) {
            cause = cause.getCause();
        }
        long latency = elapsed(started);
        String target = "token endpoint " + settings.upstreamUrl().getHost() + ":" + port();
        if (cause instanceof SocketTimeoutException || cause instanceof InterruptedIOException) {
            String phase = cause.getMessage() != null && cause.getMessage().toLowerCase().contains("connect")
                    ? "connect" : "read";
            return new UpstreamFailure(UpstreamFailure.Kind.TIMEOUT, target + " did not answer within the " + phase
                    + " timeout (" + ("connect".equals(phase) ? settings.connectTimeout() : settings.readTimeout())
                    + ")", latency);
        }
        if (cause instanceof ConnectException || cause instanceof NoRouteToHostException
                || cause instanceof UnknownHostException) {
            return new UpstreamFailure(UpstreamFailure.Kind.CONNECT_FAILED, target + " refused or could not be reached ("
                    + cause.getClass().getSimpleName() + ")", latency);
        }
        if (cause instanceof SSLException) {
            return new UpstreamFailure(UpstreamFailure.Kind.TLS_FAILED, target + ": TLS handshake failed ("
                    + cause.getClass().getSimpleName() + ")", latency);
        }
        return new UpstreamFailure(UpstreamFailure.Kind.BROKEN_ANSWER, target + ": connection failed mid-answer ("
                + cause.getClass().getSimpleName() + ")", latency);
    }

    private int port() {
        int port = settings.upstreamUrl().getPort();
        return port > 0 ? port : "https".equalsIgnoreCase(settings.upstreamUrl().getScheme()) ? 443 : 80;
    }

    private static long elapsed(long started) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }

    @Override
    public void close() {
        client.close();
    }
}
