package dev.authloopback.testsupport;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Collects JUL records while open (the loopback and the filter log through JUL/System.Logger;
 * SLF4J users such as Ehcache reach JUL through slf4j-jdk14). Each record is kept
 * fully formatted, parameters and stack traces included, so a search covers everything a log
 * file would contain.
 *
 * <pre>{@code
 * try (LogCapture logs = LogCapture.start(Level.ALL, "dev.authloopback")) {
 *     ... scenario ...
 *     assertFalse(logs.contains(secret), logs::text);
 * }
 * }</pre>
 */
public final class LogCapture implements AutoCloseable {

    private final Logger root = Logger.getLogger("");
    private final List<Logger> pinned = new java.util.ArrayList<>();
    private final List<Level> previousLevels = new java.util.ArrayList<>();
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler handler;
    private final List<String> excluded = new CopyOnWriteArrayList<>();

    private LogCapture(Level level, List<String> loggerNames) {
        Formatter formatter = new SimpleFormatter();
        handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                String logger = String.valueOf(record.getLoggerName());
                if (excluded.stream().anyMatch(logger::startsWith)) {
                    return;
                }
                lines.add(record.getLoggerName() + " " + record.getLevel() + " " + formatter.format(record)
                        + " " + formatter.formatMessage(record));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        handler.setLevel(Level.ALL);
        for (String name : loggerNames) {
            Logger logger = Logger.getLogger(name);
            pinned.add(logger); // strong reference: JUL holds loggers weakly, a collected one loses its level
            previousLevels.add(logger.getLevel());
            logger.setLevel(level);
        }
        root.addHandler(handler);
    }

    /**
     * Captures every record that reaches the root logger (INFO and up by the test logging
     * configuration) and, for the named loggers and their children, everything from {@code level}.
     */
    public static LogCapture start(Level level, String... loggerNames) {
        return new LogCapture(level, List.of(loggerNames));
    }

    /** Leaves out records of loggers under these prefixes (e.g. the test's own OAuth2 server stack). */
    public LogCapture excluding(String... loggerPrefixes) {
        excluded.addAll(List.of(loggerPrefixes));
        return this;
    }

    /** Lines containing {@code fragment}. */
    public List<String> linesContaining(String fragment) {
        return lines.stream().filter(line -> line.contains(fragment)).toList();
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    public boolean contains(String fragment) {
        return lines.stream().anyMatch(line -> line.contains(fragment));
    }

    public String text() {
        return String.join("\n", lines);
    }

    @Override
    public void close() {
        root.removeHandler(handler);
        for (int i = 0; i < pinned.size(); i++) {
            pinned.get(i).setLevel(previousLevels.get(i));
        }
    }
}
