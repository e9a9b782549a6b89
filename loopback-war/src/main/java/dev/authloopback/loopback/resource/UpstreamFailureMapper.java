package dev.authloopback.loopback.resource;

import dev.authloopback.loopback.upstream.UpstreamFailure;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

/** The one place an upstream failure becomes an HTTP answer: 502 or 504 problem JSON. */
public final class UpstreamFailureMapper implements ExceptionMapper<UpstreamFailure> {
    @Override
    public Response toResponse(UpstreamFailure failure) {
        UpstreamFailure.Kind kind = failure.kind();
        return Problems.of(kind.status(), kind.slug(), kind.title(), failure.getMessage());
    }
}
