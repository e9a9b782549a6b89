package dev.authloopback.filter.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;

/**
 * The request passed down the chain: the configured header shows the injected value (or, with no
 * token in {@code continue} mode, is absent) through every header method, case-insensitively
 * (RFC 9110 §5.1). A client-supplied header of the same name is replaced, never merged.
 */
public final class BearerRequest extends HttpServletRequestWrapper {

    private final String name;
    private final String value;

    /** @param value the header value to show, or null to hide the header altogether */
    public BearerRequest(HttpServletRequest request, String name, String value) {
        super(request);
        this.name = name;
        this.value = value;
    }

    @Override
    public String getHeader(String header) {
        return name.equalsIgnoreCase(header) ? value : super.getHeader(header);
    }

    @Override
    public Enumeration<String> getHeaders(String header) {
        if (!name.equalsIgnoreCase(header)) {
            return super.getHeaders(header);
        }
        return value == null ? Collections.emptyEnumeration() : Collections.enumeration(List.of(value));
    }

    @Override
    public Enumeration<String> getHeaderNames() {
        List<String> names = new ArrayList<>();
        Enumeration<String> original = super.getHeaderNames();
        while (original != null && original.hasMoreElements()) {
            String n = original.nextElement();
            if (!name.equalsIgnoreCase(n)) {
                names.add(n);
            }
        }
        if (value != null) {
            names.add(name);
        }
        return Collections.enumeration(names);
    }

    @Override
    public long getDateHeader(String header) {
        if (name.equalsIgnoreCase(header)) {
            if (value == null) {
                return -1;
            }
            throw new IllegalArgumentException(header + " is not a date header");
        }
        return super.getDateHeader(header);
    }

    @Override
    public int getIntHeader(String header) {
        if (name.equalsIgnoreCase(header)) {
            return value == null ? -1 : Integer.parseInt(value);
        }
        return super.getIntHeader(header);
    }
}
