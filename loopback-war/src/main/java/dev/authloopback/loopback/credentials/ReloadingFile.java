package dev.authloopback.loopback.credentials;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A credential read from a file and read again when the file changes, so a rotated secret or key is
 * used by the next upstream call without a restart. Checked on upstream calls (and health views)
 * only, never on cache hits: one {@code stat} per check, a read only when the file's stamp (modified
 * time, size, and file key, i.e. the inode, so a same-sized file renamed into place or a Kubernetes
 * {@code ..data} link swap counts as a change) differs from the last one looked at. So a file that
 * changed is read once per change, whether it proved usable or not, never once per upstream call.
 *
 * <p>The new content must be complete when it appears: writers are expected to rename a finished
 * file into place, as Kubernetes and Vault agents do. The reader (bounded in size, parsing the file
 * as what it must be) refuses what it can tell is not a credential: empty, NUL-padded, binary,
 * truncated key files. A refused or missing file keeps the last good value, is logged once per change
 * as a WARNING naming the setting (never the content), and shows in {@link #status()} until a usable
 * file is back.
 */
final class ReloadingFile<T> {
    private static final System.Logger LOG = System.getLogger(ReloadingFile.class.getName());
    /** Stands for "look again": a read raced a write, so what was read proves nothing. */
    private static final Stamp UNSETTLED = new Stamp(-1, -1, new Object());

    private final Path file;
    private final String setting;
    /** Reads the file; gets the value in use ({@code null} at start-up) to judge a new file against it. */
    private final BiFunction<Path, T, T> reader;
    private final Clock clock;
    private volatile T value;
    /** The stamp last looked at (usable or not), or {@code null} when the file was missing. */
    private volatile Stamp seen;
    private volatile CredentialFileStatus status;

    /** Reads the file once now; start-up validation has already proven that this works. */
    ReloadingFile(Path file, String setting, Function<Path, T> reader, Clock clock) {
        this(file, setting, (path, inUse) -> reader.apply(path), clock);
    }

    /**
     * For a file whose new content may be refused in the light of the value in use (an assertion
     * that expired already, while the one in use is still valid): the reader gets that value, or
     * {@code null} at start-up.
     */
    ReloadingFile(Path file, String setting, BiFunction<Path, T, T> reader, Clock clock) {
        this.file = file;
        this.setting = setting;
        this.reader = reader;
        this.clock = clock;
        this.seen = stamp();
        this.value = reader.apply(file, null);
        this.status = status(CredentialFileStatus.State.IN_USE, "read at start-up");
    }

    /** The value to use now: the file's, or the last good one while the file is missing or unusable. */
    T current() {
        check();
        return value;
    }

    /** The file's state as of now (a {@code stat}, and a read if it changed). */
    CredentialFileStatus status() {
        check();
        return status;
    }

    private void check() {
        Stamp now = stamp();
        if (Objects.equals(now, seen)) {
            return;
        }
        synchronized (this) {
            if (Objects.equals(now, seen)) {
                return;
            }
            if (now == null) {
                seen = null;
                status = status(CredentialFileStatus.State.MISSING, "no such file; the last good value stays in use");
                LOG.log(System.Logger.Level.WARNING, setting + "=" + file + ": the file is gone; keeping the last"
                        + " good value until it is back");
                return;
            }
            try {
                T read = reader.apply(file, value);
                if (!now.equals(stamp())) {
                    // Written to while it was read: neither value nor refusal is trustworthy; look again next call.
                    seen = UNSETTLED;
                    return;
                }
                seen = now;
                value = read;
                status = status(CredentialFileStatus.State.IN_USE, "re-read after a change");
                LOG.log(System.Logger.Level.INFO, setting + "=" + file + ": changed, re-read; the next upstream"
                        + " call uses it");
            } catch (RuntimeException e) {
                seen = now;
                status = status(CredentialFileStatus.State.REFUSED, "changed but cannot be used (" + e.getMessage()
                        + "); the last good value stays in use");
                LOG.log(System.Logger.Level.WARNING, setting + "=" + file + ": changed but cannot be used ("
                        + e.getMessage() + "); keeping the last good value");
            }
        }
    }

    private CredentialFileStatus status(CredentialFileStatus.State state, String detail) {
        return new CredentialFileStatus(setting, file, state, clock.instant(), detail);
    }

    /** Follows symbolic links: the stamp is the target's. {@code null} when there is no file to read. */
    private Stamp stamp() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(attributes.lastModifiedTime().toMillis(), attributes.size(), attributes.fileKey());
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            // Unreadable attributes (permissions changed, say): the read tells what is wrong.
            return UNSETTLED;
        }
    }

    private record Stamp(long modifiedMillis, long size, Object fileKey) {
    }
}
