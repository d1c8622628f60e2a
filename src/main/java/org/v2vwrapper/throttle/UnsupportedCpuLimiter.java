package org.v2vwrapper.throttle;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** Where no writable cgroup hierarchy with a cpu controller exists: limits are accepted and not enforced. */
public record UnsupportedCpuLimiter(String reason) implements CpuLimiter {
    @Override
    public boolean supported() {
        return false;
    }

    @Override
    public void apply(OptionalLong percent) {
        // Nothing to enforce; the state file says "unsupported".
    }

    @Override
    public List<String> launchPrefix() {
        return List.of();
    }

    @Override
    public void addProcess(long pid) {
    }

    @Override
    public boolean contains(long pid) {
        return false;
    }

    @Override
    public Optional<Path> directory() {
        return Optional.empty();
    }

    @Override
    public Optional<String> unsupportedReason() {
        return Optional.of(reason);
    }

    @Override
    public void close() {
    }
}
