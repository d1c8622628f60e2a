package org.v2vwrapper.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.WrapperSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issues 15/17: every run has its own logs, the old ones are kept up to a bound, the fixed names are links. */
class RunLogsTest {
    @TempDir
    Path dir;

    private WrapperSettings settings(Instant at, String vm) {
        return new WrapperSettings(null, dir, dir, null, null).withRunStamp(at).withVm(vm);
    }

    @Test
    void perRunNamesCarryTheVmAndTheUtcStamp() {
        WrapperSettings s = settings(Instant.parse("2026-12-01T11:04:12.345Z"), "win 7/ü");
        assertEquals("virt-v2v-wrapper-20261201T110412.345Z.log", s.wrapperLog().getFileName().toString());
        assertEquals("virt-v2v-win_7__-20261201T110412.345Z.log", s.v2vLog().getFileName().toString());
        assertEquals("virt-v2v-mr-win_7__-20261201T110412.345Z.log", s.machineReadableLog().getFileName().toString());
        WrapperSettings fixed = new WrapperSettings(null, dir, dir, null, null);
        assertEquals("virt-v2v.log", fixed.v2vLog().getFileName().toString());
    }

    @Test
    void theFixedNameLinksTheNewestAndAnOldPlainFileIsKept() throws IOException {
        Files.writeString(dir.resolve("virt-v2v.log"), "an old wrapper's log\n");
        Path first = Files.writeString(dir.resolve("virt-v2v-a-20261201T100000.000Z.log"), "first\n");
        RunLogs.linkNewest(first, "virt-v2v.log");
        assertTrue(Files.isSymbolicLink(dir.resolve("virt-v2v.log")));
        assertEquals("first\n", Files.readString(dir.resolve("virt-v2v.log")));
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().endsWith(".old.log")), "old log lost");
        }
        Path second = Files.writeString(dir.resolve("virt-v2v-a-20261201T110000.000Z.log"), "second\n");
        RunLogs.linkNewest(second, "virt-v2v.log");
        assertEquals("second\n", Files.readString(dir.resolve("virt-v2v.log")));
        assertEquals("first\n", Files.readString(first), "a run's file is never truncated by the next run");
    }

    @Test
    void onlyTheNewestOfEachKindAreKept() throws IOException {
        List<Path> v2v = new ArrayList<>();
        List<Path> wrapper = new ArrayList<>();
        for (int i = 0; i < RunLogs.KEEP + 3; i++) {
            WrapperSettings s = settings(Instant.parse("2026-12-01T10:00:00Z").plusSeconds(60L * i), "vm");
            v2v.add(Files.writeString(s.v2vLog(), "x"));
            Files.writeString(s.machineReadableLog(), "x");
            wrapper.add(Files.writeString(s.wrapperLog(), "x"));
        }
        Path unrelated = Files.writeString(dir.resolve("notes.txt"), "keep me");
        Path current = v2v.get(v2v.size() - 1);
        List<Path> removed = RunLogs.prune(dir, List.of(current));
        assertEquals(9, removed.size(), removed.toString());
        for (int i = 0; i < 3; i++) {
            assertFalse(Files.exists(v2v.get(i)));
            assertFalse(Files.exists(wrapper.get(i)));
        }
        for (int i = 3; i < v2v.size(); i++) {
            assertTrue(Files.exists(v2v.get(i)));
            assertTrue(Files.exists(wrapper.get(i)));
        }
        assertTrue(Files.exists(unrelated));
        assertEquals(RunLogs.KEEP, RunLogs.logsOf(dir, java.util.regex.Pattern.compile(
                "virt-v2v-mr-.+-(\\d{8}T\\d{6}\\.\\d{3}Z)\\.log")).size());
    }
}
