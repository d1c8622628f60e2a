package org.v2vwrapper.output.osp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.v2vwrapper.ConversionException;

/** The commands the migration runs on the source conversion host. */
class OspMigrationCommandsTest {

    @Test
    void uciContainerUsesTheHostNetworkPublishesNothingAndMapsEachDevice() {
        List<String> argv = OspMigration.uciCommand("/tmp/v2v-AbC123", List.of("/dev/vdb", "/dev/vdc"), "reg/img:1");
        assertEquals(List.of("sudo", "-n", "podman", "run", "--rm", "--detach",
                "--cidfile", "/tmp/v2v-AbC123/container.id", "--network", "host",
                "--volume", "/var/tmp:/var/tmp:z", "--volume", "/var/lock:/var/lock:z",
                "--volume", "/tmp/v2v-AbC123:/data:z", "--volume", "/tmp/v2v-AbC123/lib:/var/lib/uci:z",
                "--volume", "/tmp/v2v-AbC123/log:/var/log/uci:z",
                "--device", "/dev/vdb:/dev/vdb-v2v", "--device", "/dev/vdc:/dev/vdc-v2v", "reg/img:1"), argv);
        assertFalse(argv.contains("-p"), "nothing is published");
    }

    /** The teardown script, run here by sh as the remote shell would: it stops what the pid files name. */
    @Test
    void teardownStopsEveryExportByItsPidFileAndRemovesOnlyAV2vWorkDirectory() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory(java.nio.file.Path.of("/tmp"), "v2v-");
        Process sleeper = new ProcessBuilder("sleep", "300").start();
        try {
            java.nio.file.Files.writeString(dir.resolve("disk0.pid"), sleeper.pid() + "\n");
            java.nio.file.Files.writeString(dir.resolve("disk0.log"), "log\n");
            int rc = new ProcessBuilder("sh", "-c", "tmp=" + dir + "; " + OspMigration.remoteTeardownScript())
                    .inheritIO().start().waitFor();
            assertEquals(0, rc);
            assertTrue(sleeper.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the export was not stopped");
            assertFalse(java.nio.file.Files.exists(dir));

            java.nio.file.Path other = java.nio.file.Files.createTempDirectory("not-ours-");
            try {
                rc = new ProcessBuilder("sh", "-c", "tmp=" + other + "; " + OspMigration.remoteTeardownScript())
                        .start().waitFor();
                assertEquals(0, rc);
                assertTrue(java.nio.file.Files.isDirectory(other), "a directory not made by mktemp v2v-* was removed");
            } finally {
                java.nio.file.Files.deleteIfExists(other);
            }
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void nbdkitIsReadOnlyOnAUnixSocketWithSudoOnlyWhenNeeded() {
        String sh = OspMigration.nbdkitCommand("/dev/vdb", "/tmp/w/disk0.sock", "/tmp/w/disk0.pid", "/tmp/w/disk0.log");
        assertTrue(sh.startsWith("if test -r /dev/vdb; then nbdkit --readonly -U /tmp/w/disk0.sock -P /tmp/w/disk0.pid"
                + " file /dev/vdb </dev/null >>/tmp/w/disk0.log 2>&1; else sudo -n nbdkit --readonly"), sh);
        assertFalse(sh.contains(" -p ") || sh.contains(" -i "), "no TCP listener: " + sh);
        String odd = OspMigration.nbdkitCommand("/dev/disk/by-id/a b", "/s", "/p", "/l");
        assertTrue(odd.contains("file '/dev/disk/by-id/a b'"), odd);
    }

    @Test
    void testFiltersGoAroundThePluginAndAreCheckedWordByWord() throws Exception {
        assertEquals(List.of(), OspMigration.testFilters(null));
        assertEquals(List.of(), OspMigration.testFilters(" "));
        String sh = OspMigration.nbdkitCommand("/dev/vdb", "/s", "/p", "/l",
                OspMigration.testFilters("--filter=delay delay-read=3"));
        assertTrue(sh.startsWith("if test -r /dev/vdb; then nbdkit --readonly -U /s -P /p --filter=delay file /dev/vdb"
                + " delay-read=3 </dev/null >>/l 2>&1;"), sh);
        for (String bad : List.of("--filter=x;rm", "$(id)", "a=b c", "--run=x", "k='v'")) {
            assertThrows(ConversionException.class, () -> OspMigration.testFilters(bad), bad);
        }
    }

    @Test
    void exportKindIsValidated() throws Exception {
        assertEquals(OspMigration.Export.UCI, OspMigration.Export.of("uci"));
        assertEquals(OspMigration.Export.NBDKIT, OspMigration.Export.of("nbdkit"));
        assertThrows(ConversionException.class, () -> OspMigration.Export.of("qemu-nbd"));
    }

    @Test
    void rootDevices() {
        for (String d : List.of("/dev/vda", "/dev/sda", "/dev/xvda", "/dev/hda")) {
            assertTrue(OspMigration.isRootDevice(d), d);
        }
        for (String d : List.of("/dev/vdb", "/dev/vdaa", "vda")) {
            assertFalse(OspMigration.isRootDevice(d), d);
        }
    }
}
