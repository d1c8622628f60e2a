package org.v2vwrapper.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.WrapperSettings;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** --virt-v2v-in-place, --virt-v2v-inspector, --qemu-img: given, or their defaults beside --virt-v2v. */
class TwoPhaseToolOptionsTest {
    @TempDir
    Path dir;

    private static WrapperSettings parse(String... args) {
        WrapperCommand cmd = new WrapperCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.settings();
    }

    private static boolean envSet(String name) {
        return System.getenv(name) != null;
    }

    @Test
    void givenPathsAreKept() {
        WrapperSettings s = parse("--virt-v2v-in-place=/opt/v2v/in-place", "--virt-v2v-inspector=/opt/v2v/inspector",
                "--qemu-img=/opt/qemu/qemu-img");
        assertEquals(Path.of("/opt/v2v/in-place"), s.virtV2vInPlace());
        assertEquals(Path.of("/opt/v2v/inspector"), s.virtV2vInspector());
        assertEquals(Path.of("/opt/qemu/qemu-img"), s.qemuImg());
    }

    @Test
    void theDefaultsAreBesideVirtV2vElseTheDistributionsPlaces() throws Exception {
        if (envSet("V2V_WRAPPER_VIRT_V2V_IN_PLACE") || envSet("V2V_WRAPPER_VIRT_V2V_INSPECTOR")
                || envSet("V2V_WRAPPER_QEMU_IMG")) {
            return;
        }
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String name : new String[]{"virt-v2v", "virt-v2v-in-place", "virt-v2v-inspector"}) {
            Files.createFile(bin.resolve(name), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        }
        WrapperSettings beside = parse("--virt-v2v=" + bin.resolve("virt-v2v"));
        assertEquals(bin.resolve("virt-v2v-in-place"), beside.virtV2vInPlace());
        assertEquals(bin.resolve("virt-v2v-inspector"), beside.virtV2vInspector());
        assertEquals(Path.of("/usr/bin/qemu-img"), beside.qemuImg());

        WrapperSettings alone = parse("--virt-v2v=" + dir.resolve("elsewhere/virt-v2v"));
        assertEquals(Path.of("/usr/libexec/virt-v2v-in-place"), alone.virtV2vInPlace());
        assertEquals(Path.of("/usr/bin/virt-v2v-inspector"), alone.virtV2vInspector());
    }
}
