package dev.authloopback.loopback.intake;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** Reads a request or answer body without ever holding more than its limit in memory. */
public final class BoundedBody {
    private BoundedBody() {
    }

    /** @return the body, or {@code null} as soon as it proves longer than {@code limit} bytes */
    public static byte[] read(InputStream in, long limit) throws IOException {
        if (in == null) {
            return new byte[0];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            total += n;
            if (total > limit) {
                return null;
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }
}
