package dev.authloopback.loopback.cluster;

import dev.authloopback.loopback.config.ClusterSettings;
import dev.authloopback.loopback.credentials.ClusterKeyFile;
import dev.authloopback.loopback.credentials.ClusterKeyRing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.function.Supplier;

import static dev.authloopback.loopback.cluster.ClusterLog.LOG;

/**
 * The seal this node uses now: from {@code cluster-key-file}, re-read when the file changes (its
 * modification time or size), checked on the cluster tier's schedule ({@code cluster-retry-interval}),
 * never on a request. A file that changed but cannot be used (missing, too open, malformed, no
 * sealing key) keeps the last good keys, with one WARNING per change.
 * With {@code cluster-unsealed=true}, a {@link PlainSeal} for ever.
 */
final class ClusterKeys implements Supplier<Seal> {
    private final Path file;
    private final String entity;
    private volatile Seal current;
    private volatile Stamp stamp;

    /** Start-up validation has already read the file once. */
    ClusterKeys(ClusterSettings settings) {
        this.file = settings.unsealed() ? null : settings.keyFile();
        this.entity = settings.entity();
        if (file == null) {
            current = new PlainSeal();
        } else {
            stamp = stamp();
            current = new AeadSeal(ClusterKeyFile.read(file), entity);
        }
    }

    @Override
    public Seal get() {
        return current;
    }

    boolean sealed() {
        return file != null;
    }

    /** Re-reads the file if it changed; returns whether the keys changed. */
    synchronized boolean refresh() {
        if (file == null) {
            return false;
        }
        Stamp now = stamp();
        if (now != null && now.equals(stamp)) {
            return false;
        }
        ClusterKeyRing ring;
        try {
            ring = ClusterKeyFile.read(file);
        } catch (RuntimeException e) {
            // Once per change of the file, not on every check while it stays broken.
            stamp = now;
            LOG.log(System.Logger.Level.WARNING, "cluster-key-file=" + file + ": changed but cannot be used ("
                    + e.getMessage() + "); keeping the previous keys (" + ((AeadSeal) current).ring().describe() + ")");
            return false;
        }
        stamp = now;
        AeadSeal was = (AeadSeal) current;
        if (ring.sameAs(was.ring())) {
            return false;
        }
        current = new AeadSeal(ring, entity);
        LOG.log(System.Logger.Level.INFO, "cluster-key-file=" + file + ": re-read; now " + ring.describe()
                + (ring.sealingId().equals(was.ring().sealingId()) ? ""
                : " (a new sealing key names entries anew: each key costs one upstream call once)"));
        return true;
    }

    private Stamp stamp() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(attributes.lastModifiedTime().toMillis(), attributes.size());
        } catch (IOException e) {
            return null;
        }
    }

    private record Stamp(long modifiedMillis, long size) {
    }
}
