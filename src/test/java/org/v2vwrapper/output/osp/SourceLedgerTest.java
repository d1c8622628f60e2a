package org.v2vwrapper.output.osp;

import org.junit.jupiter.api.Test;
import org.openstack4j.api.exceptions.ResponseException;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.ledger.Kinds;
import org.v2vwrapper.ledger.RemoteLedger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SourceLedgerTest {
    @Test
    void aRefusedCreateLeavesNoIntentAnyOtherFailureKeepsIt() {
        RemoteLedger remote = RemoteLedger.inMemory();
        SourceLedger l = new SourceLedger(remote, SourceLedger.TYPE + ":https://keystone#p@Default");
        String refused = l.intendSnapshot("vol", "rhosp-migration-vol");
        l.createFailed(refused, new ConversionException("creating snapshot: quota (HTTP 413)",
                new ResponseException("quota exceeded", 413)));
        String unanswered = l.intendRootCopy("rhosp-migration-vol");
        l.createFailed(unanswered, new ConversionException("creating volume: no answer from OpenStack within 60 s"));
        String gateway = l.intendImage("vm", "rhosp-migration-root-web");
        l.createFailed(gateway, new ConversionException("creating image: bad gateway (HTTP 502)",
                new ResponseException("bad gateway", 502)));

        assertEquals(2, remote.entries().size(), remote.entries().toString());
        assertTrue(remote.entries().stream().noneMatch(e -> e.key().equals(refused)), "refused: nothing made");
        assertTrue(remote.entries().stream().allMatch(e -> e.state() == RemoteLedger.State.INTENDED));
    }

    @Test
    void attachmentsAndDetachmentsAreListedBeforeTheCallAndGoOnceUndone() {
        RemoteLedger remote = RemoteLedger.inMemory();
        SourceLedger l = new SourceLedger(remote, SourceLedger.TYPE + ":https://keystone#p@Default");
        l.detachingFromVm("data", "vm", "/dev/vdb");
        l.attaching("data", "host");
        assertEquals("host", remote.find(Kinds.OSP_ATTACHMENT, "data").orElseThrow().attr(SourceLedger.SERVER)
                .orElseThrow());
        assertTrue(SourceLedger.isSourceSide(remote.find(Kinds.OSP_DETACHED_VOLUME, "data").orElseThrow()));
        l.detached("data");
        l.backOnVm("data");
        assertFalse(remote.entries().iterator().hasNext());
    }
}
