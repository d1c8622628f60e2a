package org.v2vwrapper.ledger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RemoteLedgerTest {
    @TempDir
    Path dir;

    private List<String> names() throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void intentThenIdThenDoneIsOnDiskAtEveryStepAndNoFileWhenEmpty() throws Exception {
        RemoteLedger l = RemoteLedger.forRun(dir);
        assertEquals(List.of(), names(), "an empty ledger has no file");
        String where = RemoteLedger.where("openstack", "https://keystone:5000/v3");
        String key = l.intend(Kinds.OSP_PORT, where, Map.of("name", "vm-port-0"));
        assertEquals(List.of(RemoteLedger.FILE_NAME), names(), "no temporary file left");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(RemoteLedger.FILE_NAME))));
        RemoteLedger.Entry intended = RemoteLedger.load(dir).get(key);
        assertEquals(RemoteLedger.State.INTENDED, intended.state());
        assertNull(intended.id());
        assertEquals("vm-port-0", intended.attr("name").orElseThrow());

        l.record(key, "port-1");
        RemoteLedger.Entry created = RemoteLedger.load(dir).get(key);
        assertEquals(RemoteLedger.State.EXISTS, created.state());
        assertEquals("port-1", created.id());
        assertEquals(l.runId(), created.run());

        l.record(Kinds.OSP_VOLUME, where, "vol-1", Map.of("place", "conversion"));
        l.update(Kinds.OSP_VOLUME, "vol-1", Map.of("place", "transfer", "transfer_id", "t-1"));
        assertEquals("t-1", RemoteLedger.load(dir).values().stream().filter(e -> "vol-1".equals(e.id()))
                .findFirst().orElseThrow().attr("transfer_id").orElseThrow());
        java.util.HashMap<String, String> noTransfer = new java.util.HashMap<>();
        noTransfer.put("place", "destination");
        noTransfer.put("transfer_id", null);
        l.update(Kinds.OSP_VOLUME, "vol-1", noTransfer);
        assertTrue(RemoteLedger.load(dir).values().stream().filter(e -> "vol-1".equals(e.id()))
                .findFirst().orElseThrow().attr("transfer_id").isEmpty());

        l.done(Kinds.OSP_PORT, "port-1");
        assertEquals(1, RemoteLedger.load(dir).size());
        l.forgotten(Kinds.OSP_VOLUME, "vol-1");
        assertEquals(List.of(), names(), "the last entry gone, the file goes");
    }

    @Test
    void aNewRunKeepsTheDeadRunsEntriesAndForgetsOnlyItsOwn() throws Exception {
        RemoteLedger dead = RemoteLedger.forRun(dir);
        dead.record(Kinds.OVIRT_DISK, "rhv:https://e/ovirt-engine/api", "d-1", Map.of());
        // SIGKILL: nothing more from that run
        RemoteLedger next = RemoteLedger.forRun(dir);
        assertFalse(next.runId().equals(dead.runId()));
        assertEquals(1, next.entries().size());
        next.record(Kinds.OVIRT_DISK, "rhv:https://e/ovirt-engine/api", "d-2", Map.of());
        next.record(Kinds.OVIRT_DISK, "rhv:https://e/ovirt-engine/api", "d-2", Map.of());
        assertEquals(2, RemoteLedger.load(dir).size());
        next.forgetOwn(e -> true);
        assertEquals(List.of("d-1"), RemoteLedger.load(dir).values().stream().map(RemoteLedger.Entry::id).toList());
    }

    @Test
    void inMemoryWritesNothing() throws Exception {
        RemoteLedger l = RemoteLedger.inMemory();
        l.record(Kinds.OVIRT_DISK, "rhv:x", "d", Map.of());
        assertEquals(1, l.entries().size());
        assertTrue(l.file().isEmpty());
        assertEquals(List.of(), names());
    }

    /** An intent's description goes into last_message: a long attribute (an id list) is cut there, kept in the file. */
    @Test
    void anIntentIsDescribedInOneShortLine() throws Exception {
        RemoteLedger l = RemoteLedger.forRun(dir);
        String ids = String.join(",", java.util.Collections.nCopies(30, "aaaaaaaa-0000-4000-8000-000000000000"));
        String key = l.intend(Kinds.OVIRT_UPLOAD_DISKS, "rhv:https://e/ovirt-engine/api",
                Map.of("disk_name_prefix", "win7", "disks_before", ids));
        String d = l.entries().get(0).describe();
        assertEquals("ovirt-upload-disks (not created yet or id unknown: {disk_name_prefix=win7, disks_before="
                + ids.substring(0, RemoteLedger.DESCRIBED_VALUE) + "… (" + ids.length() + " characters)})", d);
        assertEquals(ids, RemoteLedger.load(dir).get(key).attr("disks_before").orElseThrow());
    }
}
