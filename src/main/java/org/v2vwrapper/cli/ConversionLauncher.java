package org.v2vwrapper.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.request.InvalidRequestException;
import org.v2vwrapper.request.RequestParser;
import org.v2vwrapper.run.ConversionRun;
import org.v2vwrapper.run.RunDirLeftovers;
import org.v2vwrapper.run.RunDirLock;
import org.v2vwrapper.run.WrapperLogging;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.LastMessage;
import org.v2vwrapper.state.StateFile;
import org.v2vwrapper.state.StatePublisher;
import org.v2vwrapper.text.Printable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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

    private final WrapperSettings settings;
    private final Streams io;

    ConversionLauncher(WrapperSettings settings, Streams io) {
        this.settings = settings;
        this.io = io;
    }

    int run(Optional<Path> inputFile, boolean detach, boolean detachedChild) {
        Optional<RunDirLock> lock;
        try {
            lock = RunDirLock.tryAcquire(settings.runDir());
            Files.createDirectories(settings.logDir());
        } catch (IOException e) {
            return error("cannot use the run/log directory: " + e.getMessage());
        }
        if (lock.isEmpty()) {
            return error("run directory " + settings.runDir() + " is in use by another v2v-wrapper; "
                    + "use another --run-dir for a concurrent conversion");
        }
        // The shutdown hook waits for this, so a SIGTERM does not halt the JVM before the main thread has released
        // the run directory (removed the lock file) and printed its error line.
        CountDownLatch released = new CountDownLatch(1);
        try (RunDirLock held = lock.get()) {
            WrapperLogging.toFile(settings.wrapperLog());
            LOG.info("v2v-wrapper {} starting (pid {}), run dir {}, log dir {}", Version.get(),
                    ProcessHandle.current().pid(), settings.runDir(), settings.logDir());
            // Holding the lock proves the previous owner is gone: its secrets and temp state files go first.
            RunDirLeftovers.removeAndLog(settings.runDir(), settings.stateFile().getFileName().toString());
            StateFile stateFile = new StateFile(settings.stateFile());

            byte[] input;
            ConversionRequest request;
            try {
                input = RequestInput.read(inputFile, io.in());
                RequestParser.Parsed parsed = RequestParser.parse(input);
                request = parsed.request();
                parsed.unknownKeys().forEach(k -> LOG.warn("ignoring unknown key {}", Printable.escape(k)));
            } catch (InvalidRequestException e) {
                LOG.error("invalid request: {}", e.getMessage());
                writeInvalidState(stateFile, e.getMessage());
                return error("invalid request: " + e.getMessage());
            }
            LOG.info("request: {}", request);

            if ((detach || request.daemonize()) && !detachedChild) {
                held.close();
                return Detacher.detach(settings, input, io);
            }

            ConversionState state = new ConversionState();
            state.initDisks(request.sourceDisks());
            state.setStatus("Preparing");
            StatePublisher publisher;
            try {
                publisher = new StatePublisher(state, stateFile).start();
            } catch (IOException e) {
                return error("cannot write the state file " + settings.stateFile() + ": " + e.getMessage());
            }
            io.out().println(stdoutLine(settings));
            io.out().flush();
            if (detachedChild) {
                Detacher.detachStreams(settings);
            }

            ConversionRun run = new ConversionRun(settings, request, state, publisher, LogParsersFactory.INSTANCE);
            Thread hook = new Thread(() -> {
                run.terminate("the wrapper received SIGTERM/SIGINT");
                try {
                    released.await(RELEASE_WAIT_S, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (run.exitCode() == ConversionRun.EXIT_OK) {
                    // nbd_export_only ends on SIGTERM by design: exit 0, not the JVM's 143 for a signal.
                    Runtime.getRuntime().halt(ConversionRun.EXIT_OK);
                }
            }, "shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            int rc = run.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is already running; it returns as soon as it sees the run has ended
            }
            if (rc != ConversionRun.EXIT_OK && !detachedChild) {
                io.err().println("v2v-wrapper: " + Printable.escape(state.lastMessage().map(LastMessage::message)
                        .orElse("conversion failed")));
            }
            return rc;
        } catch (IOException e) {
            return error("cannot release the run directory lock: " + e.getMessage());
        } finally {
            released.countDown();
        }
    }

    /** The one line on stdout: where the caller finds the logs and the state file. */
    static String stdoutLine(WrapperSettings s) {
        Map<String, String> line = new LinkedHashMap<>();
        line.put("v2v_log", s.v2vLog().toAbsolutePath().toString());
        line.put("wrapper_log", s.wrapperLog().toAbsolutePath().toString());
        line.put("state_file", s.stateFile().toAbsolutePath().toString());
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
