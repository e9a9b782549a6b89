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

    /** Exchange profiles: a request without the user's token. */
    public static CallerRequestRefused subjectTokenRequired() {
        return new CallerRequestRefused(400, "subject-token-required", "Subject token required",
                "this profile exchanges a user's token: send it as subject_token");
    }

    /** Exchange profiles: a field the exchange does not take as sent. */
    public static CallerRequestRefused fieldRefused(String detail) {
        return field(detail);
    }

    /** Exchange profiles: a value beyond what the profile hands out (the only allowed value is named). */
    public static CallerRequestRefused beyond(String field, String allowed) {
        return new CallerRequestRefused(403, field.replace('_', '-') + "-not-allowed", "Not allowed for this profile",
                field + " other than " + allowed + " is not handed out by this profile");
    }

    /**
     * Exchange profiles: the subject token was not accepted. The reason is one of a few fixed words
     * (expired, signature, issuer, ...); the detail never quotes the token or its claims.
     */
    public static CallerRequestRefused invalidSubjectToken(String reason) {
        return new CallerRequestRefused(401, "invalid-subject-token", "Subject token not accepted",
                "the subject token was not accepted (" + reason + "); no token was asked for");
    }
}
