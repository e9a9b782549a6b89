package dev.authloopback.loopback.credentials;

/**
 * An owning-mode caller sent something it must not (400), or asked for more than the profile allows
 * (403): answered with problem JSON, never forwarded.
 */
public final class CallerRequestRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String slug;
    private final String title;

    CallerRequestRefused(int status, String slug, String title, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.slug = slug;
        this.title = title;
    }

    /** 400 for a request that is wrong, 403 for one that asks beyond the profile's ceilings. */
    public int status() {
        return status;
    }

    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }

    static CallerRequestRefused credential(String what) {
        return new CallerRequestRefused(400, "credential-not-allowed", "Credentials not allowed",
                "this profile authenticates to the token endpoint itself; send no " + what
                        + " (only scope, resource, audience)");
    }

    static CallerRequestRefused field(String detail) {
        return new CallerRequestRefused(400, "field-not-allowed", "Field not allowed", detail);
    }

    /** RFC 8707 §2: a resource is an absolute URI without a fragment. */
    static CallerRequestRefused invalidResource(String shown) {
        return new CallerRequestRefused(400, "invalid-resource", "Invalid resource",
                "'resource' must be an absolute URI without a fragment (RFC 8707 §2): '" + shown + "'");
    }

    /**
     * A value beyond the profile's ceiling ({@code allowed-scopes}, {@code allowed-resources},
     * {@code allowed-audiences}); the value is named, since scopes, resources and audiences are not secrets.
     *
     * @param field {@code scope}, {@code resource} or {@code audience}
     */
    static CallerRequestRefused beyondCeiling(String field, String shown, String ceiling) {
        return new CallerRequestRefused(403, field + "-not-allowed", "Not allowed for this profile",
                field + " '" + shown + "' is not allowed for this profile (" + ceiling + "); a caller may ask for"
                        + " what the operator allows, no more");
    }
}
