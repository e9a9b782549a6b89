package dev.authloopback.it.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Takes over the loopback's one-line-per-request log ({@value #REQUESTS_LOGGER}, INFO) for the run:
 * each line is still built and formatted, as in production, then counted instead of printed, so
 * the loopback pays its logging cost without the benchmark measuring a terminal, and the console
 * stays readable. The count proves the lines were produced.
 */
final class RequestLogSink extends Handler implements AutoCloseable {

    static final String REQUESTS_LOGGER = "dev.authloopback.loopback.requests";

    private final Logger logger;
    private final boolean previousUseParentHandlers;
    private final Level previousLevel;
    private final AtomicLong lines = new AtomicLong();
    private final AtomicLong chars = new AtomicLong(); // summed so the formatting cannot be optimised away

    private RequestLogSink(Logger logger) {
        this.logger = logger; // a strong reference: JUL holds loggers weakly
        this.previousUseParentHandlers = logger.getUseParentHandlers();
        this.previousLevel = logger.getLevel();
        setFormatter(new SimpleFormatter());
        setLevel(Level.ALL);
    }

    static RequestLogSink install() {
        RequestLogSink sink = new RequestLogSink(Logger.getLogger(REQUESTS_LOGGER));
        sink.logger.setLevel(Level.INFO);
        sink.logger.setUseParentHandlers(false);
        sink.logger.addHandler(sink);
        return sink;
    }

    long lines() {
        return lines.get();
    }

    @Override
    public void publish(LogRecord record) {
        if (isLoggable(record)) {
            chars.addAndGet(getFormatter().format(record).length());
            lines.incrementAndGet();
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
        logger.setUseParentHandlers(previousUseParentHandlers);
        logger.setLevel(previousLevel);
    }
}
