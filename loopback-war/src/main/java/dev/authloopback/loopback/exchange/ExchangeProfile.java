package dev.authloopback.loopback.exchange;

import dev.authloopback.loopback.config.ExchangeSettings;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.authloopback.loopback.credentials.CallerRequestRefused;
import dev.authloopback.loopback.credentials.SelectingFields;
import dev.authloopback.loopback.request.SubjectToken;
import dev.authloopback.loopback.request.TokenRequest;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The admission step of an exchange profile. A caller sends {@code subject_token} (the user's token),
 * optionally {@code subject_token_type} and {@code requested_token_type}, plus the selecting fields of
 * an owning profile ({@code scope}, {@code audience}, {@code resource}, within its ceilings). The
 * subject token is checked here, before any upstream call: a string that is not a live JWT of the
 * configured issuer for the configured audience gets 401 and costs the IdP nothing (RFC 8693 §2.1 lets
 * the IdP do this check; the loopback must not let outsiders spend IdP calls on it). Refusals are
 * remembered briefly by keyed digest, and tokens bound to a key ({@code cnf}, RFC 7800) are refused:
 * an exchanged token would shed the binding.
 *
 * <p>The admitted request's body holds only the selecting fields; the subject token rides beside it
 * ({@link TokenRequest#subject()}), keyed by its HMAC, and is added to the form only on the upstream call.
 */
public final class ExchangeProfile {
    static final String SUBJECT_TOKEN = "subject_token";
    static final String SUBJECT_TOKEN_TYPE = "subject_token_type";
    static final String REQUESTED_TOKEN_TYPE = "requested_token_type";

    private final ExchangeSettings settings;
    private final SelectingFields selecting;
    private final SubjectDigest digests;
    private final SubjectTokenValidator validator;
    private final NegativeCache refused;
    private final ExchangeRateLimit rateLimit;
    private final SubjectIndex index = new SubjectIndex();
    private final JsonFactory json;
    private final Clock clock;
    private final AtomicLong refusals = new AtomicLong();
    private final AcceptedSubjects accepted;

    public ExchangeProfile(ExchangeSettings settings, SelectingFields selecting, SubjectDigest digests,
                           KeySetSource keys, JsonFactory json, Clock clock) {
        this.settings = settings;
        this.selecting = selecting;
        this.digests = digests;
        this.validator = new SubjectTokenValidator(settings.subjectIssuer(), keys, clock);
        this.refused = new NegativeCache(settings.negativeTtl(), clock);
        this.rateLimit = new ExchangeRateLimit(settings.rateLimit(), clock);
        this.json = json;
        this.clock = clock;
        this.accepted = new AcceptedSubjects(clock);
    }

    public ExchangeSettings settings() {
        return settings;
    }

    /** The validator, shared with the back-channel logout endpoint (same issuer, same keys). */
    public SubjectTokenValidator validator() {
        return validator;
    }

    /**
     * @throws CallerRequestRefused 400 without a subject token or with a field that selects nothing,
     *                              401 for a subject token that is not accepted, 403 beyond a ceiling
     */
    public TokenRequest admit(TokenRequest caller) {
        Split split = split(caller);
        if (split.subjectToken == null || split.subjectToken.isEmpty()) {
            throw CallerRequestRefused.subjectTokenRequired();
        }
        if (split.subjectTokenType != null && !ExchangeSettings.ACCESS_TOKEN_TYPE.equals(split.subjectTokenType)
                && !ExchangeSettings.JWT_TOKEN_TYPE.equals(split.subjectTokenType)) {
            throw CallerRequestRefused.fieldRefused("subject_token_type must be " + ExchangeSettings.ACCESS_TOKEN_TYPE
                    + " or " + ExchangeSettings.JWT_TOKEN_TYPE);
        }
        // Only access tokens become Bearer headers; an ID or refresh token must not be handed out here.
        if (split.requestedTokenType != null && !ExchangeSettings.ACCESS_TOKEN_TYPE.equals(split.requestedTokenType)) {
            throw CallerRequestRefused.beyond("requested_token_type", ExchangeSettings.ACCESS_TOKEN_TYPE);
        }
        SubjectToken subject = check(split.subjectToken);
        TokenRequest reduced = selecting.reduce(new TokenRequest(caller.method(), FORM, caller.accept(),
                caller.authorization(), caller.keyHeaders(), split.rest.toString().getBytes(StandardCharsets.UTF_8)));
        StringBuilder body = new StringBuilder(new String(reduced.body(), StandardCharsets.US_ASCII));
        if (settings.shape() == ExchangeSettings.Shape.TOKEN_EXCHANGE) {
            append(body, SUBJECT_TOKEN_TYPE, split.subjectTokenType == null ? ExchangeSettings.ACCESS_TOKEN_TYPE
                    : split.subjectTokenType);
            if (split.requestedTokenType != null) {
                append(body, REQUESTED_TOKEN_TYPE, split.requestedTokenType);
            }
        } else {
            // Entra ID's on-behalf-of request: the jwt-bearer grant with this marker.
            append(body, "requested_token_use", "on_behalf_of");
        }
        return new TokenRequest(reduced.method(), reduced.contentType(), reduced.accept(), null,
                reduced.keyHeaders(), body.toString().getBytes(StandardCharsets.US_ASCII), subject);
    }

    /** The subject token, checked locally (and remembered briefly when refused). */
    private SubjectToken check(String token) {
        String digest = digests.of(token);
        AcceptedSubjects.Accepted known = accepted.get(digest);
        if (known != null) {
            return new SubjectToken(token, digest, known.expiresAt(), known.sub(), known.sid());
        }
        String remembered = refused.refusedReason(digest);
        if (remembered != null) {
            refusals.incrementAndGet();
            throw CallerRequestRefused.invalidSubjectToken(remembered);
        }
        JWTClaimsSet claims;
        try {
            claims = validator.verify(token, settings.subjectAudience());
            if (claims.getClaim("cnf") != null) {
                throw new SubjectTokenValidator.Refused("bound_to_key");
            }
        } catch (SubjectTokenValidator.Refused e) {
            refused.remember(digest, e.getMessage());
            refusals.incrementAndGet();
            throw CallerRequestRefused.invalidSubjectToken(e.getMessage());
        }
        AcceptedSubjects.Accepted checked = new AcceptedSubjects.Accepted(claims.getExpirationTime().getTime(),
                claims.getSubject(), stringClaim(claims, "sid"));
        accepted.put(digest, checked);
        return new SubjectToken(token, digest, checked.expiresAt(), checked.sub(), checked.sid());
    }

    /**
     * The lifetime an entry made from {@code subject} may have, from {@code now}: no longer than the
     * exchanged token's, the subject token's remaining life, or {@code max-subject-lifetime}.
     *
     * @param expiresIn the exchanged token's {@code expires_in}, or {@code null}
     * @param ttl       the profile's {@code ttl}, the lifetime of an answer without {@code expires_in}
     */
    public Duration bounded(SubjectToken subject, Duration expiresIn, Duration ttl, long now) {
        Duration lifetime = expiresIn == null ? ttl : expiresIn;
        Duration subjectLeft = Duration.ofMillis(Math.max(0, subject.expiresAt() - now));
        lifetime = lifetime.compareTo(subjectLeft) <= 0 ? lifetime : subjectLeft;
        return lifetime.compareTo(settings.maxSubjectLifetime()) <= 0 ? lifetime : settings.maxSubjectLifetime();
    }

    /** An entry was stored for {@code subject} under {@code key}, ending at {@code endsAt}. */
    public void stored(SubjectToken subject, String key, long endsAt) {
        index.add(subject.sub(), subject.sid(), key, endsAt, clock.millis());
    }

    /**
     * The names a user ({@code sub}) and an IdP session ({@code sid}) are indexed under in a shared
     * store ({@code TokenStore#indexSubjects}); either may be {@code null}. Prefixed with NUL, so they
     * never read as a cache key.
     */
    public static java.util.List<String> subjects(String sub, String sid) {
        java.util.List<String> names = new java.util.ArrayList<>(2);
        if (sub != null) {
            names.add("\u0000sub:" + sub);
        }
        if (sid != null) {
            names.add("\u0000sid:" + sid);
        }
        return names;
    }

    /** The keys to evict for a user ({@code sub}) or a session ({@code sid}); they leave the index. */
    public java.util.List<String> keysOf(String sub, String sid) {
        return index.take(sub, sid);
    }

    public void forgetAll() {
        index.clear();
    }

    /** @return true when one more upstream exchange may go out now ({@code exchange-rate-limit}) */
    public boolean mayCallUpstream() {
        return rateLimit.tryAcquire();
    }

    /** Subject tokens refused so far (counted, never logged one by one with anything of the token). */
    public long refusals() {
        return refusals.get();
    }

    /** The upstream form fields that carry the subject token for this profile's shape. */
    public static String subjectField(ExchangeSettings.Shape shape) {
        return shape == ExchangeSettings.Shape.TOKEN_EXCHANGE ? SUBJECT_TOKEN : "assertion";
    }

    private static final String FORM = "application/x-www-form-urlencoded";

    private Split split(TokenRequest caller) {
        Split split = new Split();
        byte[] body = caller.body();
        if (body.length == 0) {
            return split;
        }
        if (caller.isJson()) {
            try (JsonParser parser = json.createParser(body)) {
                parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    throw CallerRequestRefused.fieldRefused("a JSON token request must be an object");
                }
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    if (parser.nextToken() != JsonToken.VALUE_STRING) {
                        throw CallerRequestRefused.fieldRefused("each field of an exchange request must be a string");
                    }
                    split.add(name, parser.getText());
                }
                if (parser.nextToken() != null) {
                    throw CallerRequestRefused.fieldRefused("the body must be one JSON object and nothing after it");
                }
            } catch (IOException e) {
                throw CallerRequestRefused.fieldRefused("the body is not valid JSON (each key once)");
            }
            return split;
        }
        for (String field : new String(body, StandardCharsets.UTF_8).split("&")) {
            if (field.isEmpty()) {
                continue;
            }
            int eq = field.indexOf('=');
            try {
                split.add(URLDecoder.decode(eq < 0 ? field : field.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(field.substring(eq + 1), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw CallerRequestRefused.fieldRefused("the form body is not valid application/x-www-form-urlencoded");
            }
        }
        return split;
    }

    private static void append(StringBuilder body, String name, String value) {
        if (body.length() > 0) {
            body.append('&');
        }
        body.append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }

    private static String stringClaim(JWTClaimsSet claims, String name) {
        Object value = claims.getClaim(name);
        return value instanceof String s ? s : null;
    }

    /** The exchange fields of one request, and the rest as a form for the owning profile's own rules. */
    private static final class Split {
        String subjectToken;
        String subjectTokenType;
        String requestedTokenType;
        final StringBuilder rest = new StringBuilder();

        void add(String name, String value) {
            switch (name) {
                case SUBJECT_TOKEN -> subjectToken = once(subjectToken, name, value);
                case SUBJECT_TOKEN_TYPE -> subjectTokenType = once(subjectTokenType, name, value);
                case REQUESTED_TOKEN_TYPE -> requestedTokenType = once(requestedTokenType, name, value);
                default -> append(rest, name, value);
            }
        }

        private static String once(String before, String name, String value) {
            if (before != null) {
                throw CallerRequestRefused.fieldRefused(name + " sent twice");
            }
            return value;
        }
    }
}
