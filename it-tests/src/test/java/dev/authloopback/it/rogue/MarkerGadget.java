package dev.authloopback.it.rogue;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A serialized-object payload whose deserialization is visible: {@code readObject} writes a marker
 * file. On the loopback's classpath in the embedded-Jetty tests (the test classpath is the web
 * app's parent), so a loopback that fed cluster bytes to {@code ObjectInputStream} would run it.
 */
public final class MarkerGadget implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String marker;

    public MarkerGadget(Path marker) {
        this.marker = marker.toString();
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        Files.writeString(Path.of(marker), "deserialized by " + ProcessHandle.current().pid());
    }
}
