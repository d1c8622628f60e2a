package org.v2vwrapper.state;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConversionStateTest {

    private static List<String> paths(ConversionState s) {
        return s.disks().stream().map(DiskProgress::path).toList();
    }

    @Test
    void keysAppearOnlyOnceKnown() {
        ConversionState s = new ConversionState();
        assertEquals(Map.of(), s.snapshot());
        s.setStatus("Preparing");
        assertEquals(List.of("status"), new ArrayList<>(s.snapshot().keySet()));
        s.markStarted(42);
        assertEquals(List.of("started", "pid", "disks", "disk_count", "status"), new ArrayList<>(s.snapshot().keySet()));
        assertEquals(0, s.snapshot().get("disk_count"));
    }

    @Test
    void sourceDisksInitialiseDisksAndCount() {
        ConversionState s = new ConversionState();
        s.initDisks(List.of("[ds] a.vmdk", "[ds] b.vmdk"));
        assertEquals(List.of(new DiskProgress("[ds] a.vmdk", 0), new DiskProgress("[ds] b.vmdk", 0)), s.disks());
        assertEquals(2, s.snapshot().get("disk_count"));
    }

    @Test
    void aKnownPathMovesToTheCurrentIndex() {
        ConversionState s = new ConversionState();
        s.initDisks(List.of("[ds] a.vmdk", "[ds] b.vmdk", "[ds] c.vmdk"));
        s.beginDisk(0, 3);
        s.currentDiskPath("[ds] c.vmdk");
        assertEquals(List.of("[ds] c.vmdk", "[ds] a.vmdk", "[ds] b.vmdk"), paths(s));
        s.currentDiskProgress(50);
        assertEquals(new DiskProgress("[ds] c.vmdk", 50), s.disks().get(0));
    }

    @Test
    void anUnknownPathIsInsertedAtTheCurrentIndexAndEachPathAppearsOnce() {
        ConversionState s = new ConversionState();
        s.initDisks(List.of("[ds] a.vmdk"));
        s.beginDisk(0, 2);
        s.currentDiskPath("[ds] x.vmdk");
        s.currentDiskPath("[ds] x.vmdk");
        assertEquals(List.of("[ds] x.vmdk", "[ds] a.vmdk"), paths(s));
        s.beginDisk(1, 2);
        s.currentDiskPath("[ds] a.vmdk");
        assertEquals(List.of("[ds] x.vmdk", "[ds] a.vmdk"), paths(s));
        assertEquals(2, s.snapshot().get("disk_count"));
    }

    @Test
    void progressGoesOnlyToAKnownCurrentDisk() {
        ConversionState s = new ConversionState();
        s.currentDiskProgress(10);
        assertTrue(s.disks().isEmpty());
        s.beginDisk(0, 1);
        s.currentDiskProgress(10);
        assertTrue(s.disks().isEmpty(), "no path known for disk 0 yet");
        s.currentDiskPath("[ds] a.vmdk");
        s.currentDiskProgress(10);
        assertEquals(10.0, s.disks().get(0).progress());
    }

    @Test
    void theFirstErrorIsKeptAndFinishIsFinal() {
        ConversionState s = new ConversionState();
        s.setLastMessage(LastMessage.error("first"));
        s.setLastMessage(LastMessage.error("cleanup noise"));
        assertEquals("first", s.lastMessage().orElseThrow().message());
        assertTrue(s.finish(false));
        assertFalse(s.finish(true), "finish happens once");
        assertEquals(false, s.snapshot().get("failed"));
        assertEquals(true, s.snapshot().get("finished"));
    }

    @Test
    void listenerHearsPhaseAndProgressApart() {
        ConversionState s = new ConversionState();
        List<ConversionState.Change> heard = new ArrayList<>();
        s.setListener(heard::add);
        s.beginDisk(0, 1);
        s.currentDiskPath("p");
        s.currentDiskProgress(1);
        s.currentDiskProgress(1);
        assertEquals(List.of(ConversionState.Change.PHASE, ConversionState.Change.PHASE,
                ConversionState.Change.PROGRESS), heard);
    }
}
