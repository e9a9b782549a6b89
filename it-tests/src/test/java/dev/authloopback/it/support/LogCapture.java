package dev.authloopback.it.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Collects every JUL record (the loopback and the filter log through JUL/System.Logger; Jetty and
 * SLF4J are bridged to JUL by slf4j-jdk14) at the given level while open. Each record is kept
 * fully formatted, parameters and stack traces included, so a search covers everything a log
 * file would contain.
 *
 * <pre>{@code
 * try (LogCapture logs = LogCapture.start(Level.ALL)) {
 *     ... scenario ...
 *     assertFalse(logs.contains(secret), logs::text);
 * }
 * }</pre>
 */
public final class LogCapture implements AutoCloseable {

    private final Logger root = Logger.getLogger("");
    private final Level previousLevel;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler handler;

    private LogCapture(Level level) {
        Formatter formatter = new SimpleFormatter();
        handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
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
        handler.setLevel(level);
        previousLevel = root.getLevel();
        root.setLevel(level);
        root.addHandler(handler);
    }

    public static LogCapture start(Level level) {
        return new LogCapture(level);
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
        root.setLevel(previousLevel);
    }
}
