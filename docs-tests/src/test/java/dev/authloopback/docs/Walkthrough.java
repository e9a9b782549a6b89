package dev.authloopback.docs;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The marked command blocks of one page, in order: fenced blocks whose info string is
 * {@value #INFO}. Everything else on the page (other code blocks, the "point it at your IdP" step)
 * is prose to the test.
 */
record Walkthrough(String page, List<Markdown.Block> steps) {

    static final String INFO = "bash walkthrough";

    static Walkthrough of(Markdown doc, String page) {
        List<Markdown.Block> steps = doc.blocks().stream().filter(b -> INFO.equals(b.info())).toList();
        return new Walkthrough(page, steps);
    }

    /**
     * One bash script: each block verbatim, preceded by a line that says which step runs (on
     * stderr, so the log shows where a failure happened). {@code set -euo pipefail}: a step that
     * fails stops the walkthrough, as it would stop a reader.
     */
    String script() {
        return "set -euo pipefail\n" + steps.stream()
                .map(b -> "echo '>>> " + page + " line " + b.line() + "' >&2\n" + b.text())
                .collect(Collectors.joining("\n"));
    }
}
