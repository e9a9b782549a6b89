package dev.authloopback.loopback.exchange;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Subject tokens refused recently, by keyed digest: the same forged or expired token sent again is
 * refused without parsing or verifying it again. Bounded: when full, expired marks go first, then
 * all of them (an attacker with endless distinct strings gains nothing from the cache anyway, and
 * the check it saves is local).
 */
public final class NegativeCache {
    static final int MAX_MARKS = 10_000;

    private final Clock clock;
    private final long ttlMillis;
    private final Map<String, Mark> marks = new ConcurrentHashMap<>();

    record Mark(long until, String reason) {
    }

    public NegativeCache(Duration ttl, Clock clock) {
        this.clock = clock;
        this.ttlMillis = ttl.toMillis();
    }

    /** @return the reason the token was refused, while it is remembered; else {@code null} */
    public String refusedReason(String digest) {
        Mark mark = marks.get(digest);
        if (mark == null) {
            return null;
        }
        if (mark.until() <= clock.millis()) {
            marks.remove(digest, mark);
            return null;
        }
        return mark.reason();
    }

    public void remember(String digest, String reason) {
        if (ttlMillis <= 0) {
            return;
        }
        long now = clock.millis();
        if (marks.size() >= MAX_MARKS) {
            for (Iterator<Mark> it = marks.values().iterator(); it.hasNext(); ) {
                if (it.next().until() <= now) {
                    it.remove();
                }
            }
            if (marks.size() >= MAX_MARKS) {
                marks.clear();
            }
        }
        marks.put(digest, new Mark(now + ttlMillis, reason));
    }

    int size() {
        return marks.size();
    }
}
