package org.v2vwrapper.throttle;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A CPU limit for virt-v2v and everything it starts: a cgroup of the run's own (v1 or v2), or nothing where
 * the host has no writable hierarchy. The wrapper's own JVM is never in it.
 */
public sealed interface CpuLimiter extends AutoCloseable
    permits CgroupCpuLimiter, UnsupportedCpuLimiter {

    /** Whether a limit can be applied at all; false for {@link UnsupportedCpuLimiter}. */
    boolean supported();

    /** Percent of one CPU (may exceed 100), or empty for no limit. */
    void apply(OptionalLong percent) throws IOException;

    /**
     * Words to put in front of the child's argv so that it joins the cgroup before it runs (and so before it
     * forks anything); its children inherit the cgroup. The child keeps its pid (the prefix execs). Empty
     * when unsupported.
     */
    List<String> launchPrefix();

    /** Moves a running process in (its existing children stay where they are). */
    void addProcess(long pid) throws IOException;

    /** Whether a process is in the cgroup now, e.g. to check that the launch prefix worked. */
    boolean contains(long pid);

    /** The cgroup's directory, for messages and tests. */
    Optional<Path> directory();

    /** Why it is unsupported, for the one warning; empty when supported. */
    Optional<String> unsupportedReason();

    /**
     * Removes the cgroup. Processes still in it are moved to the wrapper's own cgroup first (unthrottled;
     * stopping them is the run's business). Never throws; idempotent.
     */
    @Override
    void close();
}
