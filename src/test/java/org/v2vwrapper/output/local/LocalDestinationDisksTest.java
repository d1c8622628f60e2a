package org.v2vwrapper.output.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.WrapperSettings;
import org.v2vwrapper.itinerary.RunContext;
import org.v2vwrapper.lifecycle.Cleanup;
import org.v2vwrapper.precopy.DiskSpec;
import org.v2vwrapper.precopy.PreparedDisk;
import org.v2vwrapper.secrets.SecretStore;
import org.v2vwrapper.state.ConversionState;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalDestinationDisksTest {
    @TempDir
    Path dir;

    private RunContext ctx() {
        return new RunContext(null, new WrapperSettings(dir, dir, dir, dir, dir), new ConversionState(),
                new Cleanup(), SecretStore.dryRun(), false);
    }

    @Test
    void namesFollowVirtV2v() {
        assertEquals("sda", LocalDestinationDisks.driveName(0));
        assertEquals("sdz", LocalDestinationDisks.driveName(25));
        assertEquals("sdaa", LocalDestinationDisks.driveName(26));
    }

    @Test
    void makesSparseFilesOfTheCapacitiesAndTheFailureUndoRemovesOnlyThem() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve("unrelated"), "x");
        RunContext ctx = ctx();
        LocalDestinationDisks d = new LocalDestinationDisks(out, "vm");
        d.check(ctx);
        List<PreparedDisk> disks = d.create(ctx, List.of(new DiskSpec(0, "[ds] vm/vm.vmdk", 2000, 1L << 30),
                new DiskSpec(1, "[ds] vm/vm_1.vmdk", 2001, 4096)));
        assertEquals(out.resolve("vm-sda"), disks.get(0).localPath());
        assertEquals(1L << 30, Files.size(out.resolve("vm-sda")));
        assertEquals(4096, Files.size(out.resolve("vm-sdb")));
        for (RunContext.FailureUndo u : ctx.takeFailureUndo()) {
            u.action().run();
        }
        assertFalse(Files.exists(out.resolve("vm-sda")));
        assertFalse(Files.exists(out.resolve("vm-sdb")));
        assertTrue(Files.exists(out.resolve("unrelated")));
    }

    @Test
    void anExistingFileIsNeitherOverwrittenNorRemoved() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve("vm-sdb"), "keep");
        RunContext ctx = ctx();
        LocalDestinationDisks d = new LocalDestinationDisks(out, "vm");
        assertThrows(ConversionException.class, () -> d.create(ctx, List.of(
                new DiskSpec(0, "a", 2000, 4096), new DiskSpec(1, "b", 2001, 4096))));
        for (RunContext.FailureUndo u : ctx.takeFailureUndo()) {
            u.action().run();
        }
        assertFalse(Files.exists(out.resolve("vm-sda")), "the partial file is removed");
        assertEquals("keep", Files.readString(out.resolve("vm-sdb")));
    }

    @Test
    void aMissingDirectoryIsRefused() {
        assertThrows(ConversionException.class,
                () -> new LocalDestinationDisks(dir.resolve("nope"), "vm").check(ctx()));
    }
}
