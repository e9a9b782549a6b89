package dev.authloopback.launcher;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The launcher's server-wide error handler: what Jetty answers itself before any web app sees the
 * request (a malformed request line or header, an ambiguous URI, headers too large) is problem
 * JSON (RFC 9457) like every loopback answer, whatever the caller's {@code Accept}. The launcher
 * serves only the loopback, so this is safe for every request it gets. Errors inside the web app
 * are the WAR's own error page. The detail names the status only, never Jetty's message (it may
 * quote the request).
 */
final class ProblemErrorHandler extends ErrorHandler {

    static final String MEDIA_TYPE = "application/problem+json";

    @Override
    protected boolean generateAcceptableResponse(Request request, Response response, Callback callback,
                                                 String contentType, List<Charset> charsets, int code,
                                                 String message, Throwable cause) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, MEDIA_TYPE);
        Content.Sink.write(response, true, problem(code), callback);
        return true;
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, MEDIA_TYPE);
        return ByteBuffer.wrap(problem(status).getBytes(StandardCharsets.UTF_8));
    }

    private static String problem(int status) {
        String title = HttpStatus.getMessage(status);
        return "{\"type\":\"urn:authloopback:problem:http-" + status + "\",\"title\":\"" + title
                + "\",\"status\":" + status + ",\"detail\":\"the server refused the request before the loopback"
                + " could handle it (HTTP " + status + ")\"}";
    }
}
