package dev.authloopback.loopback.cluster;

/** How the cluster package logs: one logger name for operators to grep, and a failure in one line. */
final class ClusterLog {
    static final System.Logger LOG = System.getLogger("dev.authloopback.loopback.cluster");

    private ClusterLog() {
    }

    /** The failure in one line: the innermost cause says what really happened (refused, timed out...). */
    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String what = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        return what.length() > 300 ? what.substring(0, 300) + "…" : what;
    }
}
