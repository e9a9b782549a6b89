package dev.authloopback.deployment;

import java.time.Duration;
import java.util.List;

/** Prints the timings the issue asks for, in one block per server. */
final class Report {

    private Report() {
    }

    static void print(String server, Duration configure, Duration boot, String deploy, Duration stop,
                      Duration total, List<String> warnings) {
        StringBuilder out = new StringBuilder()
                .append("\n=== ").append(server).append(" deployment test ===\n")
                .append(String.format("  configure (unpack + server-config): %6.1f s%n", seconds(configure)))
                .append(String.format("  boot to ready (all WARs deployed):  %6.1f s%n", seconds(boot)))
                .append("  deploy (from the server's log):     ").append(deploy).append('\n')
                .append(String.format("  stop:                               %6.1f s%n", seconds(stop)))
                .append(String.format("  whole test:                         %6.1f s%n", seconds(total)));
        if (!warnings.isEmpty()) {
            out.append("  WARN lines (not failures):\n");
            warnings.forEach(w -> out.append("    ").append(w.length() > 220 ? w.substring(0, 220) + "..." : w).append('\n'));
        }
        System.out.print(out);
    }

    static String seconds(String what, Duration d) {
        return String.format("%s %.1f s", what, seconds(d));
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
