package dev.authloopback.loopback.problem;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.core.Response;

import java.io.IOException;

/** Loopback-made errors as JAX-RS answers (the admin views); the document itself is a {@link Problem}. */
public final class Problems {
    public static final String MEDIA_TYPE = Problem.MEDIA_TYPE;

    private Problems() {
    }

    public static Response.ResponseBuilder builder(int status, String slug, String title, String detail) {
        return Response.status(status).type(MEDIA_TYPE).entity(new Problem(status, slug, title, detail).json());
    }

    public static Response of(int status, String slug, String title, String detail) {
        return builder(status, slug, title, detail).build();
    }

    /**
     * The same problem written straight to a servlet response, for answers given outside JAX-RS
     * (servlet filters, the error page), with the {@code no-store} headers of every answer.
     */
    public static void write(HttpServletResponse response, int status, String slug, String title, String detail)
            throws IOException {
        write(response, new Problem(status, slug, title, detail));
    }

    /** A problem made elsewhere, written as {@link #write(HttpServletResponse, int, String, String, String)} does. */
    public static void write(HttpServletResponse response, Problem problem) throws IOException {
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("Pragma", "no-cache");
        problem.write(response);
    }

    /** The JAX-RS answer for a problem made elsewhere, headers included. */
    public static Response of(Problem problem) {
        Response.ResponseBuilder builder = Response.status(problem.status()).type(MEDIA_TYPE).entity(problem.json());
        problem.headers().forEach(builder::header);
        return builder.build();
    }
}
