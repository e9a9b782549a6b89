package dev.authloopback.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** deployment-tests carries its own copy of {@link TerracottaServer} (it does not depend on it-tests): they must not drift. */
class TerracottaServerCopyTest {

    private static final Path HERE = Path.of("src/test/java/dev/authloopback/it/support/TerracottaServer.java");
    private static final Path COPY = Path.of("../deployment-tests/src/test/java/dev/authloopback/deployment/TerracottaServer.java");

    @Test
    void deploymentTestsCopyIsIdenticalApartFromThePackage() throws Exception {
        String here = Files.readString(HERE).replaceFirst("package [\\w.]+;", "package _;");
        String copy = Files.readString(COPY).replaceFirst("package [\\w.]+;", "package _;");
        assertEquals(here, copy, COPY.toAbsolutePath().normalize() + " differs from " + HERE.toAbsolutePath().normalize());
    }
}
