package dev.authloopback.loopback.cluster;

/**
 * A key's eviction mark in the clustered tier (and, under the reserved all-entries name, the last
 * evict-all): when the key was last force-refreshed, for the {@code min-refresh-interval} rate
 * limit, and the "not before" that refuses any token stored before the evicted one, so an old
 * value written back after an eviction is never served.
 *
 * @param claimedAt when the last eviction was claimed (epoch millis), 0 when given back
 * @param notBefore tokens stored before this instant are refused, 0 for none
 * @param until     the mark is needed until then: the evicted token's own validity
 */
record Mark(long claimedAt, long notBefore, long until) {

    Mark claimedAt(long now) {
        return new Mark(now, notBefore, until);
    }

    Mark notBefore(long instant, long neededUntil) {
        return new Mark(claimedAt, Math.max(notBefore, instant), Math.max(until, neededUntil));
    }
}
