package dev.authloopback.launcher;

/** A bad command line or setting; {@link LoopbackLauncher#main} prints it and exits with code 2. */
public final class UsageException extends Exception {

    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
