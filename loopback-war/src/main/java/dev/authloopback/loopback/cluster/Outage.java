package dev.authloopback.loopback.cluster;

import java.time.Instant;

/** Why and since when the clustered tier is unreachable. */
record Outage(Instant since, String reason) {
}
