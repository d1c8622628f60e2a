package org.v2vwrapper.osp2osp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.remote.SshOptions;
import org.v2vwrapper.remote.SshRunner;
import org.v2vwrapper.request.Secret;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.secrets.SecretStore;
import org.v2vwrapper.secrets.SshAgent;
import org.v2vwrapper.testing.SshdHarness;

class DeviceFinderTest {
    private static final String VOLUME = "0123456789abcdef0123-4567-89ab-cdef01234567";

    @TempDir
    Path tmp;

    /** lsblk stand-in: prints the file's lines. */
    private DeviceFinder finder(Path byId, Path disks, Duration timeout) {
        return new DeviceFinder(DeviceFinder.Commands.local(), byId, List.of("cat", disks.toString()), timeout,
                Duration.ofMillis(50));
    }

    @Test
    void nameIsVirtioAndTheFirst20CharactersOfTheId() {
        assertEquals("virtio-0123456789abcdef0123", DeviceFinder.byIdName(VOLUME));
        assertEquals("virtio-short", DeviceFinder.byIdName("short"));
    }

    @Test
    void theByIdLinkWinsAndIsWaitedFor() throws Exception {
        Path byId = Files.createDirectory(tmp.resolve("by-id"));
        Path disks = Files.writeString(tmp.resolve("disks"), "/dev/vda\n");
        Path backing = Files.writeString(tmp.resolve("volume-file"), "x");
        DeviceFinder f = finder(byId, disks, Duration.ofSeconds(20));
        Set<String> before = f.disks();
        assertEquals(Set.of("/dev/vda"), before);
        Thread udev = new Thread(() -> {
            try {
                Thread.sleep(300);
                Files.createSymbolicLink(byId.resolve(DeviceFinder.byIdName(VOLUME)), backing);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        udev.start();
        assertEquals(backing.toRealPath().toString(), f.find(VOLUME, before));
        udev.join();
    }

    @Test
    void withoutALinkTheOneNewDiskIsIt() throws Exception {
        Path byId = Files.createDirectory(tmp.resolve("by-id"));
        Path disks = Files.writeString(tmp.resolve("disks"), "/dev/vda\n/dev/vdb\n");
        DeviceFinder f = finder(byId, disks, Duration.ofSeconds(20));
        Set<String> before = f.disks();
        Files.writeString(disks, "/dev/vda\n/dev/vdb\n/dev/vdc\n");
        assertEquals("/dev/vdc", f.find(VOLUME, before));
    }

    @Test
    void severalNewDisksAreAnError() throws Exception {
        Path byId = Files.createDirectory(tmp.resolve("by-id"));
        Path disks = Files.writeString(tmp.resolve("disks"), "/dev/vda\n");
        DeviceFinder f = finder(byId, disks, Duration.ofSeconds(20));
        Set<String> before = f.disks();
        Files.writeString(disks, "/dev/vda\n/dev/vdb\n/dev/vdc\n");
        ConversionException e = assertThrows(ConversionException.class, () -> f.find(VOLUME, before));
        assertEquals("finding the device of volume " + VOLUME + ": no " + byId.resolve(DeviceFinder.byIdName(VOLUME))
                + " and several new disks appeared: /dev/vdb, /dev/vdc", e.getMessage());
    }

    @Test
    void nothingAppearingTimesOut() throws Exception {
        Path byId = Files.createDirectory(tmp.resolve("by-id"));
        Path disks = Files.writeString(tmp.resolve("disks"), "/dev/vda\n");
        DeviceFinder f = finder(byId, disks, Duration.ofSeconds(1));
        ConversionException e = assertThrows(ConversionException.class, () -> f.find(VOLUME, f.disks()));
        assertTrue(e.getMessage().endsWith("nor a new disk appeared within 1 s"), e.getMessage());
    }

    @Test
    void overSshOnTheSourceConversionHost() throws Exception {
        // Readable by cloud-user, who runs readlink over ssh.
        Path dir = Files.createTempDirectory("v2v-byid-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try (SshdHarness sshd = SshdHarness.start(); Cleanup cleanup = new Cleanup()) {
            SecretStore secrets = SecretStore.create(dir);
            cleanup.register("secrets", secrets::close);
            SshAgent agent = SshAgent.start(cleanup);
            agent.addKey(Optional.of(new Secret(sshd.clientKeyText())), secrets);
            SshRunner ssh = new SshRunner(SshdHarness.HOST_ADDRESS,
                    SshOptions.defaults(Optional.of(agent.socket())).withHome(sshd.home()));
            Path byId = Files.createDirectory(dir.resolve("by-id"));
            Path backing = Files.writeString(dir.resolve("volume-file"), "x");
            Files.createSymbolicLink(byId.resolve(DeviceFinder.byIdName(VOLUME)), backing);
            DeviceFinder f = new DeviceFinder(DeviceFinder.Commands.over(ssh), byId, DeviceFinder.LSBLK,
                    Duration.ofSeconds(20), Duration.ofMillis(200));
            Set<String> before = f.disks(); // the real lsblk, remotely
            assertEquals(backing.toRealPath().toString(), f.find(VOLUME, before));
        } finally {
            try (var walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
