package org.v2vwrapper.lifecycle;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ChildrenTest {

    @Test
    void runCapturesOutputAndExitCodeWithTheEnvironmentGiven() throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("CHILDREN_TEST", "set");
        env.put("HOME", null);
        Children.Result r = Children.run(List.of("sh", "-c", "echo out; echo err >&2; echo \"$CHILDREN_TEST:${HOME-unset}\"; exit 3"),
                env, Duration.ofSeconds(30));
        assertEquals(3, r.exitCode());
        assertEquals("out\nerr\nset:unset", r.output());
        assertFalse(r.succeeded());
    }

    @Test
    void aHelperOutlivingItsTimeoutIsKilled() {
        long before = System.nanoTime();
        Children.TimeoutException e = assertThrows(Children.TimeoutException.class,
                () -> Children.run(List.of("sleep", "600"), Duration.ofMillis(300)));
        assertEquals("sleep did not finish within 0 s", e.getMessage());
        assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(60), "returned long before sleep would");
        assertFalse(ProcessHandle.current().descendants()
                .anyMatch(h -> h.info().commandLine().orElse("").contains("sleep 600")), "sleep was killed");
    }

    @Test
    void aMissingProgramIsNamedNotSetpriv() {
        IOException e = assertThrows(IOException.class,
                () -> Children.run(List.of("/nonexistent/helper"), Duration.ofSeconds(5)));
        assertEquals("Cannot run program \"/nonexistent/helper\": error=2, No such file or directory", e.getMessage());
    }

    @Test
    void stopSendsTermThenKill() throws Exception {
        // Ignores TERM: only the KILL after the grace ends it.
        Process p = Children.start(new ProcessBuilder("sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done")
                .redirectErrorStream(true));
        assertEquals('r', p.getInputStream().read());
        Children.stop(p, "stubborn child", Duration.ofMillis(200));
        assertFalse(p.isAlive());
        assertEquals(128 + 9, p.exitValue());
        p.descendants().forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void childrenGetTheDeathSignalWhereSetprivExists() throws Exception {
        assumeTrue(Children.dieWithTheWrapper(), "no setpriv here");
        Process p = Children.start(new ProcessBuilder("sh", "-c", "echo \"PPid:$PPID\""));
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(List.of("/usr/bin/setpriv", "--pdeathsig", "KILL", "--", "sleep", "1"),
                Children.withDeathSignal(List.of("sleep", "1")));
        // setpriv execs the command: the child's parent is this JVM, not a setpriv in between.
        assertEquals("PPid:" + ProcessHandle.current().pid() + "\n", out);
    }
}
