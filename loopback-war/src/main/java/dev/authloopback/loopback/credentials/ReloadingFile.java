package dev.authloopback.loopback.credentials;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.function.Function;

/**
 * A credential read from a file and read again when the file changes (its modification time or size
 * differs from the last read), so a rotated secret or key is used by the next upstream call without a
 * restart. Checked on upstream calls only, never on cache hits. A file that cannot be read or parsed
 * after a change keeps the last good value (logged, without content): a half-written rotation must
 * not take the loopback down, and a credential the IdP no longer accepts shows as its 401.
 */
final class ReloadingFile<T> {
    private static final System.Logger LOG = System.getLogger(ReloadingFile.class.getName());

    private final Path file;
    private final String setting;
    private final Function<Path, T> reader;
    private volatile Snapshot<T> current;

    /** Reads the file once now; start-up validation has already proven that this works. */
    ReloadingFile(Path file, String setting, Function<Path, T> reader) {
        this.file = file;
        this.setting = setting;
        this.reader = reader;
        Stamp stamp = stamp();
        this.current = new Snapshot<>(stamp, reader.apply(file));
    }

    /** The value of the file as it is now: one {@code stat} per call, a read only after a change. */
    T current() {
        Snapshot<T> last = current;
        Stamp now = stamp();
        if (now == null || now.equals(last.stamp)) {
            return last.value;
        }
        synchronized (this) {
            if (now.equals(current.stamp)) {
                return current.value;
            }
            try {
                T value = reader.apply(file);
                current = new Snapshot<>(now, value);
                LOG.log(System.Logger.Level.INFO, setting + "=" + file + ": changed, re-read; the next upstream"
                        + " call uses it");
                return value;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, setting + "=" + file + ": changed but cannot be used ("
                        + e.getMessage() + "); keeping the previous value");
                return current.value;
            }
        }
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

    private record Snapshot<T>(Stamp stamp, T value) {
        @Override
        public String toString() {
            return "Snapshot[" + stamp + "]";
        }
    }
}
