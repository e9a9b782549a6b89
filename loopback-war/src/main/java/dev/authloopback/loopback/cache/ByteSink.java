package dev.authloopback.loopback.cache;

/** Where canonical bytes go: a digest, a buffer, a string. One byte (0-255) at a time. */
@FunctionalInterface
interface ByteSink {
    void write(int b);
}
