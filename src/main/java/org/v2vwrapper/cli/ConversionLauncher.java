package org.v2vwrapper.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.InvalidRequestException;
import org.v2vwrapper.request.RequestParser;
import org.v2vwrapper.run.ConversionRun;
import org.v2vwrapper.run.LogParsersFactory;
import org.v2vwrapper.run.RunDirLeftovers;
import org.v2vwrapper.run.RunDirLock;
import org.v2vwrapper.run.RunLogs;
import org.v2vwrapper.run.WrapperLogging;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.LastMessage;
import org.v2vwrapper.state.StateFile;
import org.v2vwrapper.state.StatePublisher;
import org.v2vwrapper.text.IoErrors;
import org.v2vwrapper.text.Printable;
import org.v2vwrapper.throttle.Throttling;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real conversion from the CLI: lock the run directory, read and validate the request, publish the state
 * file, print the one stdout line, then run (here, or in a detached child when asked to daemonize).
 */
final class ConversionLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(ConversionLauncher.class);
    /** How long the shutdown hook gives the main thread, once the run has ended, to release the run directory. */
    static final long RELEASE_WAIT_S = 5;

    /** Gets this run's own log names once the run directory is ours (and the VM's name once the request is read). */
    private WrapperSettings settings;
    private final Streams io;

    ConversionLauncher(WrapperSettings settings, Streams io) {
        this.settings = settings;
        this.io = io;
    }

    int run(Optional<Path> inputFile, boolean detach, boolean detachedChild) {
        Optional<RunDirLock> lock;
        try {
            lock = RunDirLock.tryAcquire(settings.runDir());
        } catch (IOException e) {
            return error("cannot use the run/log directory " + settings.runDir() + ": " + IoErrors.reason(e));
        }
        try {
            Files.createDirectories(settings.logDir());
        } catch (IOException e) {
            if (lock.isPresent()) {
                try {
                    lock.get().close();
                } catch (IOException ignored) {
                    // the error below is what matters
                }
            }
            return error("cannot use the run/log directory " + settings.logDir() + ": " + IoErrors.reason(e));
        }
        if (lock.isEmpty()) {
            return error("run directory " + settings.runDir() + " is in use by another v2v-wrapper; "
                    + "use another --run-dir for a concurrent conversion");
        }
        // The shutdown hook waits for this, so a SIGTERM does not halt the JVM before the main thread has released
        // the run directory (removed the lock file) and printed its error line.
        CountDownLatch released = new CountDownLatch(1);
        SignalExit signals = new SignalExit(released);
        Thread hook = new Thread(signals::onSignal, "shutdown");
        try (RunDirLock held = lock.get()) {
            settings = settings.withRunStamp(java.time.Instant.now());
            WrapperLogging.toFile(settings.wrapperLog());
            RunLogs.linkNewest(settings.wrapperLog(), WrapperSettings.FIXED_WRAPPER_LOG);
            LOG.info("v2v-wrapper {} starting (pid {}), run dir {}, log dir {}", Version.get(),
                    ProcessHandle.current().pid(), settings.runDir(), settings.logDir());
            // Holding the lock proves the previous owner is gone: its secrets and temp state files go first.
            RunDirLeftovers.removeAndLog(settings.runDir(), settings.stateFile().getFileName().toString());
            // Limits a caller wrote for an earlier run are not this run's: it reads the file once the stdout line names it.
            try {
                if (Files.deleteIfExists(settings.runDir().resolve(Throttling.LIMITS_FILE))) {
                    LOG.info("removed a throttling file left from an earlier run");
                }
            } catch (IOException e) {
                LOG.warn("cannot remove the throttling file left from an earlier run: {}", e.toString());
            }
            StateFile stateFile = new StateFile(settings.stateFile());
            // From here a SIGTERM/SIGINT ends with a final state file, also while the request is being read.
            signals.beforeRun(stateFile);
            Runtime.getRuntime().addShutdownHook(hook);

            byte[] input;
            ConversionRequest request;
            try {
                input = RequestInput.read(inputFile, io.in(), io.err());
                RequestParser.Parsed parsed = RequestParser.parse(input);
                request = parsed.request();
                parsed.unknownKeys().forEach(k -> LOG.warn("{}", WrapperCommand.unknownKeyNote(k)));
            } catch (InvalidRequestException e) {
                if (!signals.mainEndsWithoutRun()) {
                    return signals.awaitHalt();
                }
                LOG.error("invalid request: {}", e.getMessage());
                writeInvalidState(stateFile, e.getMessage());
                return error("invalid request: " + e.getMessage());
            }
            LOG.info("request: {}", request);
            settings = settings.withVm(request.vmName());
            RunLogs.prune(settings.logDir(),
                    List.of(settings.wrapperLog(), settings.v2vLog(), settings.machineReadableLog()));

            if ((detach || request.daemonize()) && !detachedChild) {
                if (!signals.mainEndsWithoutRun()) {
                    return signals.awaitHalt();
                }
                held.close();
                int rc = Detacher.detach(settings, input, io);
                signals.exitCode(rc);
                return rc;
            }

            ConversionState state = new ConversionState();
            state.initDisks(request.sourceDisks());
            state.setStatus("Preparing");
            StatePublisher publisher = new StatePublisher(state, stateFile);
            ConversionRun run = new ConversionRun(settings, request, state, publisher, LogParsersFactory.INSTANCE);
            if (!signals.running(run)) {
                return signals.awaitHalt();
            }
            try {
                publisher.start();
            } catch (IOException e) {
                return error("cannot write the state file " + settings.stateFile() + ": " + IoErrors.reason(e));
            }
            io.out().println(stdoutLine(settings, request.warm()));
            io.out().flush();
            if (detachedChild) {
                Detacher.detachStreams(settings);
            }

            int rc = run.run();
            signals.exitCode(rc);
            if (rc != ConversionRun.EXIT_OK && !detachedChild) {
                io.err().println("v2v-wrapper: " + Printable.escape(state.lastMessage().map(LastMessage::message)
                        .orElse("conversion failed")));
            }
            return rc;
        } catch (IOException e) {
            return error("cannot release the run directory lock: " + IoErrors.reason(e));
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it halts with the exit code once this thread has released the run directory
            }
            released.countDown();
        }
    }

    /**
     * What a SIGTERM/SIGINT does, by phase. While the request is read or checked, the hook itself writes the final
     * state ({@code finished}, {@code failed}, "stopped before the conversion started") and exits 1. During the run
     * it stops the run ({@link ConversionRun#terminate}), waits for the main thread to write {@code finished} last,
     * run the cleanup and release the run directory, then ends the JVM with the run's documented exit code (2 once
     * the conversion started, 1 before) through {@link Runtime#halt}: without it the JVM would exit 143/130.
     */
    static final class SignalExit {
        private enum Phase { NOT_YET, BEFORE_RUN, MAIN_ENDS, RUNNING, HOOK_ENDS }

        private final CountDownLatch released;
        private Phase phase = Phase.NOT_YET;
        private StateFile stateFile;
        private ConversionRun run;
        private volatile int exitCode = ConversionRun.EXIT_NOT_STARTED;

        SignalExit(CountDownLatch released) {
            this.released = released;
        }

        synchronized void beforeRun(StateFile file) {
            stateFile = file;
            phase = Phase.BEFORE_RUN;
        }

        /** The main thread will end this process itself (invalid request, detached); false if a signal came first. */
        synchronized boolean mainEndsWithoutRun() {
            if (phase == Phase.HOOK_ENDS) {
                return false;
            }
            phase = Phase.MAIN_ENDS;
            return true;
        }

        /** The run starts; false if a signal came first (the hook has written the final state). */
        synchronized boolean running(ConversionRun r) {
            if (phase == Phase.HOOK_ENDS) {
                return false;
            }
            run = r;
            phase = Phase.RUNNING;
            return true;
        }

        void exitCode(int rc) {
            exitCode = rc;
        }

        /** The main thread, after a signal took over: wait for the hook's halt. */
        int awaitHalt() {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ConversionRun.EXIT_NOT_STARTED;
        }

        void onSignal() {
            Phase seen;
            ConversionRun r;
            synchronized (this) {
                seen = phase;
                r = run;
                if (phase == Phase.BEFORE_RUN) {
                    phase = Phase.HOOK_ENDS;
                }
            }
            switch (seen) {
                case BEFORE_RUN -> {
                    String why = "stopped by SIGTERM/SIGINT before the conversion started (while reading the request)";
                    LOG.warn("{}", why);
                    ConversionState state = new ConversionState();
                    state.setLastMessage(LastMessage.error(why));
                    state.finish(true);
                    try {
                        stateFile.write(state.snapshot());
                    } catch (IOException e) {
                        LOG.error("cannot write the state file: {}", e.toString());
                    }
                    Runtime.getRuntime().halt(ConversionRun.EXIT_NOT_STARTED);
                }
                case RUNNING -> {
                    r.terminate("the wrapper received SIGTERM/SIGINT");
                    awaitRelease();
                    Runtime.getRuntime().halt(r.exitCode().orElse(exitCode));
                }
                case MAIN_ENDS -> {
                    awaitRelease();
                    Runtime.getRuntime().halt(exitCode);
                }
                default -> {
                    // before the run directory is ours: the JVM's own exit
                }
            }
        }

        private void awaitRelease() {
            try {
                released.await(RELEASE_WAIT_S, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The one line on stdout: where the caller finds the logs and the state file. */
    static String stdoutLine(WrapperSettings s) {
        return stdoutLine(s, false);
    }

    /** Warm runs also name {@code cutover_file} (ManageIQ touches it only when the line names it). */
    static String stdoutLine(WrapperSettings s, boolean warm) {
        Map<String, String> line = new LinkedHashMap<>();
        line.put("v2v_log", s.v2vLog().toAbsolutePath().toString());
        line.put("wrapper_log", s.wrapperLog().toAbsolutePath().toString());
        line.put("state_file", s.stateFile().toAbsolutePath().toString());
        // Where the caller writes new limits while the run goes on (docs/throttling.md).
        line.put("throttling_file", s.runDir().resolve(Throttling.LIMITS_FILE).toAbsolutePath().toString());
        if (warm) {
            line.put("cutover_file", s.runDir().resolve("cutover").toAbsolutePath().toString());
        }
        try {
            return new ObjectMapper().writeValueAsString(line);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void writeInvalidState(StateFile stateFile, String message) {
        ConversionState state = new ConversionState();
        state.setLastMessage(LastMessage.error("invalid request: " + message));
        state.finish(true);
        try {
            stateFile.write(state.snapshot());
        } catch (IOException e) {
            LOG.error("cannot write the state file: {}", e.toString());
        }
    }

    private int error(String message) {
        io.err().println("v2v-wrapper: " + Printable.escape(message));
        return ConversionRun.EXIT_NOT_STARTED;
    }
}
