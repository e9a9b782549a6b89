package dev.authloopback.it.support;

import java.nio.file.Files;
import java.nio.file.Path;

/** The real artifacts under test, as the it-tests pom hands them over (system properties). */
public final class Wars {

    private Wars() {
    }

    /** {@code loopback.war} from the loopback-war module. */
    public static Path loopback() {
        return war("it.loopback.war");
    }

    /** {@code sample-app.war} from the sample-app module. */
    public static Path sampleApp() {
        return war("it.sample.war");
    }

    private static Path war(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(property + ": system property not set; run the ITs through Maven failsafe");
        }
        Path war = Path.of(value);
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException(property + ": no WAR at " + war);
        }
        return war;
    }
}
