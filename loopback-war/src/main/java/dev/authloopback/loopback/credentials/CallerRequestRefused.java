package dev.authloopback.loopback.credentials;

/** An owning-mode caller sent something it must not: answered 400 problem JSON, never forwarded. */
public final class CallerRequestRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String slug;
    private final String title;

    CallerRequestRefused(String slug, String title, String detail) {
        super(detail, null, false, false);
        this.slug = slug;
        this.title = title;
    }

    public String slug() {
        return slug;
    }

    public String title() {
        return title;
    }

    static CallerRequestRefused credential(String what) {
        return new CallerRequestRefused("credential-not-allowed", "Credentials not allowed",
                "this profile authenticates to the token endpoint itself; send no " + what
                        + " (only scope, resource, audience)");
    }

    static CallerRequestRefused field(String detail) {
        return new CallerRequestRefused("field-not-allowed", "Field not allowed", detail);
    }
}
