package dev.authloopback.loopback.credentials;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code cluster-key-file}: the keys that seal the clustered tier's entries. One key a line,
 * {@code <id> <base64 of 32 random bytes> [seal|open]}; blank lines and lines starting with
 * {@code #} are ignored:
 *
 * <pre>
 * # made with: echo "k2 $(openssl rand -base64 32) seal"
 * k2 q0Jx...= seal
 * k1 Zm9v...= open
 * </pre>
 *
 * Exactly one key seals (what this node writes, and the names of its entries); every key opens. A
 * file of one key needs no role: that key seals. Ids are 1–32 of letters, digits, '.', '_', '-'.
 * A file that its group or others may read is refused: the key is what keeps the tokens secret.
 * Every failure is a {@link CredentialFileException} whose message holds no key material.
 */
public final class ClusterKeyFile {
    private static final Set<PosixFilePermission> TOO_OPEN = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    private ClusterKeyFile() {
    }

    /** The command an operator runs to make a first key file (documented in docs/cluster.md, named in errors). */
    public static String howToMakeOne(String path) {
        return "(umask 077; echo \"k1 $(openssl rand -base64 32) seal\" > " + path + ")";
    }

    public static ClusterKeyRing read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CredentialFileException("no such file", false);
        }
        refuseOpenPermissions(file);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw CredentialFiles.unreadable(e);
        }
        return parse(lines);
    }

    /** The lines of a key file, parsed (no file-system checks). */
    public static ClusterKeyRing parse(List<String> lines) {
        Map<String, byte[]> keys = new LinkedHashMap<>();
        String sealing = null;
        int sealers = 0;
        boolean anyRole = false;
        int number = 0;
        for (String raw : lines) {
            number++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\s+");
            if (fields.length < 2 || fields.length > 3) {
                throw new CredentialFileException("line " + number + ": expected '<id> <base64 key> [seal|open]'",
                        false);
            }
            String id = fields[0];
            if (!id.matches("[A-Za-z0-9._-]{1,32}")) {
                throw new CredentialFileException("line " + number + ": key id must be 1-32 letters, digits, '.',"
                        + " '_' or '-'", false);
            }
            if (keys.containsKey(id)) {
                throw new CredentialFileException("line " + number + ": key id " + id + " appears twice", false);
            }
            byte[] key;
            try {
                key = Base64.getDecoder().decode(fields[1]);
            } catch (IllegalArgumentException e) {
                throw new CredentialFileException("line " + number + " (key " + id + "): not base64", false);
            }
            if (key.length != ClusterKeyRing.KEY_BYTES) {
                throw new CredentialFileException("line " + number + " (key " + id + "): must be "
                        + ClusterKeyRing.KEY_BYTES + " bytes (openssl rand -base64 32), not " + key.length, false);
            }
            if (fields.length == 3) {
                anyRole = true;
                switch (fields[2]) {
                    case "seal" -> {
                        sealers++;
                        sealing = id;
                    }
                    case "open" -> {
                    }
                    default -> throw new CredentialFileException("line " + number + " (key " + id
                            + "): role must be seal or open", false);
                }
            }
            keys.put(id, key);
        }
        if (keys.isEmpty()) {
            throw new CredentialFileException("holds no key", false);
        }
        if (!anyRole && keys.size() == 1) {
            sealing = keys.keySet().iterator().next();
            sealers = 1;
        }
        if (sealers != 1) {
            throw new CredentialFileException("exactly one key must be marked seal (found " + sealers + ")", false);
        }
        return new ClusterKeyRing(keys, sealing);
    }

    private static void refuseOpenPermissions(Path file) {
        PosixFileAttributeView posix = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (posix == null) {
            return; // Not a POSIX file system: its own ACLs apply.
        }
        Set<PosixFilePermission> permissions;
        try {
            permissions = posix.readAttributes().permissions();
        } catch (IOException e) {
            throw CredentialFiles.unreadable(e);
        }
        if (permissions.stream().anyMatch(TOO_OPEN::contains)) {
            throw new CredentialFileException("readable or writable by group or others ("
                    + java.nio.file.attribute.PosixFilePermissions.toString(permissions)
                    + "); the keys protect every cached token: chmod 600 it", false);
        }
    }
}
