package dev.authloopback.loopback.web;

/**
 * Thrown from the web app's start when its settings are invalid: the message (every bad setting,
 * secrets masked) is the whole story, so it carries no stack trace. A server prints a failed start's
 * exception once per layer that handles it (Jetty: the context, the deployer, the start; ~170 lines
 * with a stack trace each time), which buried the one line an operator needs.
 */
final class DeploymentRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DeploymentRefused(String message) {
        super(message, null, false, false);
    }
}
