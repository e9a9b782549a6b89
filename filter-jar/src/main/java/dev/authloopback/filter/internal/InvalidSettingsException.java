package dev.authloopback.filter.internal;

import java.util.List;

/** Every problem found in one set of init-params, each naming the param; secret values masked. */
public final class InvalidSettingsException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public InvalidSettingsException(List<String> problems) {
        super("Invalid bearer token filter configuration: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
