package dev.authloopback.launcher;

/**
 * A reason the launcher cannot start that the operator can fix (a setting, a taken port):
 * {@link LoopbackLauncher#main} prints the message alone, no stack trace, and exits with
 * {@link #exitCode()}. Nothing has been started when it is thrown.
 */
public final class LaunchException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int exitCode;

    public LaunchException(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
