package dev.authloopback.filter;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientResponseContext;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * The one repeat of an outbound call that a resource server answered 401 {@code use_dpop_nonce}
 * (RFC 9449 §9): the same method, URI, headers and entity, with a proof carrying the server's nonce;
 * its answer replaces the first one in the response context, so the caller sees one call.
 */
final class DpopNonceRetry {
    private DpopNonceRetry() {
    }

    static void repeat(ClientRequestContext request, ClientResponseContext response, DpopProofSigner dpop,
                       String nonce, String retriedProperty) {
        Invocation.Builder again = request.getClient().target(request.getUri()).request();
        for (Map.Entry<String, List<Object>> header : request.getHeaders().entrySet()) {
            if (!"DPoP".equalsIgnoreCase(header.getKey())) {
                for (Object value : header.getValue()) {
                    again.header(header.getKey(), value);
                }
            }
        }
        again.header("DPoP", dpop.proof(request.getMethod(), request.getUri(), nonce));
        // The repeat passes through this filter again, which must neither re-sign nor repeat it.
        again.property(retriedProperty, Boolean.TRUE);
        Response second = request.hasEntity()
                ? again.method(request.getMethod(), Entity.entity(request.getEntity(), request.getMediaType()))
                : again.method(request.getMethod());
        response.setStatus(second.getStatus());
        MultivaluedMap<String, String> headers = response.getHeaders();
        headers.clear();
        second.getStringHeaders().forEach(headers::put);
        response.setEntityStream(second.readEntity(InputStream.class));
    }
}
