package org.v2vwrapper.output.rhv;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.output.RhvTarget;
import org.v2vwrapper.output.TargetDriver;
import org.v2vwrapper.output.rhv.fake.FakeOvirtEngine;
import org.v2vwrapper.output.rhv.fake.TestCa;
import org.v2vwrapper.plan.PlanContext;
import org.v2vwrapper.request.ConversionRequest;
import org.v2vwrapper.state.ConversionState;
import org.v2vwrapper.state.LastMessage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RhvTargetTest {
    @TempDir
    Path tmp;

    FakeOvirtEngine engine;
    TestCa ca;

    @BeforeEach
    void startEngine() throws Exception {
        ca = TestCa.shared();
        engine = FakeOvirtEngine.start(ca);
        engine.addStorageDomain("data", "nfs");
        engine.addCluster("Default");
    }

    @AfterEach
    void stopEngine() {
        engine.close();
    }

    private PlanContext ctx(Consumer<com.fasterxml.jackson.databind.node.ObjectNode> edit) throws Exception {
        return ctx(engine.url(), engine.password(), edit);
    }

    private PlanContext ctx(String url, String password, Consumer<com.fasterxml.jackson.databind.node.ObjectNode> edit)
            throws Exception {
        ConversionRequest request = RhvFixture.request(url, password, edit);
        return RhvFixture.context(request, RhvFixture.settings(tmp, ca.caPem()), tmp, false);
    }

    private static TargetDriver target() {
        return new TargetDriver(new RhvTarget(new OvirtConnectionFactory(RhvFixture.FAST)));
    }

    private static int indexOf(List<String> args, String value) {
        return args.indexOf(value);
    }

    @Test
    void validateThenArgumentsOnNfsChoosesSparse() throws Exception {
        PlanContext ctx = ctx(n -> { });
        ConversionState state = new ConversionState();
        try (TargetDriver t = target()) {
            t.validate(ctx, state);
            List<String> args = t.outputArguments(ctx);
            Path pw = ctx.secrets().directory().resolve("rhv_password");
            assertEquals(List.of("--bridge", "ovirtmgmt", "-of", "raw", "-oa", "sparse", "-o", "rhv-upload",
                    "-oc", engine.url(), "-os", "data", "-op", pw.toString(),
                    "-oo", "rhv-cafile=" + ca.caPem(), "-oo", "rhv-cluster=Default", "-oo", "rhv-direct",
                    "-oo", "rhv-verifypeer=true"), args);
            assertEquals(engine.password(), Files.readString(pw));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pw)));
            assertFalse(String.join(" ", args).contains(engine.password()));
        }
        // the checks that ran, with the searches the SDK sent
        List<FakeOvirtEngine.Call> api = engine.apiCalls();
        assertEquals("name=My_Machine", api.get(0).query().get("search"));
        assertTrue(api.get(0).is("GET", FakeOvirtEngine.API + "/vms"));
        assertTrue(api.get(1).is("GET", FakeOvirtEngine.API + "/storagedomains"));
        assertEquals("name=data", api.get(1).query().get("search"));
        assertTrue(api.get(2).is("GET", FakeOvirtEngine.API + "/clusters"));
        assertEquals("name=Default", api.get(2).query().get("search"));
        // logged in once, logged out (token revoked) on close
        assertEquals(1, engine.issuedTokens().size());
        assertEquals(engine.issuedTokens(), engine.revokedTokens());
        assertTrue(engine.liveTokens().isEmpty());
    }

    @Test
    void iscsiDomainChoosesPreallocated() throws Exception {
        engine.addStorageDomain("blockdata", "iscsi");
        PlanContext ctx = ctx(n -> n.put("rhv_storage", "blockdata"));
        try (TargetDriver t = target()) {
            t.validate(ctx, new ConversionState());
            List<String> args = t.outputArguments(ctx);
            assertEquals("preallocated", args.get(indexOf(args, "-oa") + 1));
            assertEquals("blockdata", args.get(indexOf(args, "-os") + 1));
        }
    }

    @Test
    void explicitAllocationWins() throws Exception {
        engine.addStorageDomain("blockdata", "fcp");
        PlanContext ctx = ctx(n -> {
            n.put("rhv_storage", "blockdata");
            n.put("allocation", "sparse");
            n.put("output_format", "qcow2");
        });
        try (TargetDriver t = target()) {
            t.validate(ctx, new ConversionState());
            List<String> args = t.outputArguments(ctx);
            assertEquals("sparse", args.get(indexOf(args, "-oa") + 1));
            assertEquals("qcow2", args.get(indexOf(args, "-of") + 1));
        }
    }

    @Test
    void dryRunArgumentsWithoutEngineUseOnlyTheRequestsAllocation() throws Exception {
        ConversionRequest request = RhvFixture.request("https://nowhere.invalid/ovirt-engine/api", "pw-secret",
                n -> n.put("insecure_connection", true));
        PlanContext dry = RhvFixture.context(request, RhvFixture.settings(tmp, ca.caPem()), tmp, true);
        try (TargetDriver t = target()) {
            List<String> args = t.outputArguments(dry);
            assertFalse(args.contains("-oa"));
            assertEquals("<rhv_password>", args.get(indexOf(args, "-op") + 1));
            assertEquals("rhv-verifypeer=false", args.get(args.size() - 1));
        }
        ConversionRequest withAlloc = RhvFixture.request("https://nowhere.invalid/ovirt-engine/api", "pw-secret",
                n -> n.put("allocation", "preallocated"));
        PlanContext dry2 = RhvFixture.context(withAlloc, RhvFixture.settings(tmp, ca.caPem()), tmp, true);
        try (TargetDriver t = target()) {
            List<String> args = t.outputArguments(dry2);
            assertEquals("preallocated", args.get(indexOf(args, "-oa") + 1));
        }
        assertTrue(engine.calls().isEmpty());
    }

    @Test
    void vmNameClashIsRefused() throws Exception {
        String id = engine.addVm("My_Machine");
        PlanContext ctx = ctx(n -> { });
        try (TargetDriver t = target()) {
            ConversionException e = assertThrows(ConversionException.class, () -> t.validate(ctx, new ConversionState()));
            assertTrue(e.getMessage().contains("a VM named 'My_Machine' already exists"), e.getMessage());
            assertTrue(e.getMessage().contains(engine.url()), e.getMessage());
            assertTrue(e.getMessage().contains(id), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
        assertTrue(engine.liveTokens().isEmpty(), "token revoked after a failed validation");
    }

    @Test
    void similarVmNamesDoNotClash() throws Exception {
        engine.addVm("My_Machine_2");
        engine.addVm("my_machine");
        PlanContext ctx = ctx(n -> { });
        try (TargetDriver t = target()) {
            t.validate(ctx, new ConversionState());
        }
    }

    @Test
    void storageDomainMustMatchExactlyOne() throws Exception {
        PlanContext missing = ctx(n -> n.put("rhv_storage", "nosuch"));
        try (TargetDriver t = target()) {
            ConversionException e = assertThrows(ConversionException.class,
                    () -> t.validate(missing, new ConversionState()));
            assertEquals("no storage domain named 'nosuch' on the oVirt engine at " + engine.url(), e.getMessage());
        }
        engine.addStorageDomain("data", "iscsi");
        PlanContext twice = ctx(n -> { });
        try (TargetDriver t = target()) {
            ConversionException e = assertThrows(ConversionException.class,
                    () -> t.validate(twice, new ConversionState()));
            assertTrue(e.getMessage().contains("matches 2 storage domains"), e.getMessage());
        }
        engine.addStorageDomain("00000000-0000-0000-0000-0000000000e1", "export1", "export", "nfs");
        PlanContext export = ctx(n -> n.put("rhv_storage", "export1"));
        try (TargetDriver t = target()) {
            ConversionException e = assertThrows(ConversionException.class,
                    () -> t.validate(export, new ConversionState()));
            assertTrue(e.getMessage().contains("is a export domain, not a data domain"), e.getMessage());
        }
    }

    @Test
    void clusterMustMatchExactlyOne() throws Exception {
        PlanContext missing = ctx(n -> n.put("rhv_cluster", "Other"));
        try (TargetDriver t = target()) {
            ConversionException e = assertThrows(ConversionException.class,
                    () -> t.validate(missing, new ConversionState()));
            assertEquals("no cluster named 'Other' on the oVirt engine at " + engine.url(), e.getMessage());
        }
        engine.addCluster("Default");
        PlanContext twice = ctx(n -> { });
        try (TargetDriver t = target()) {
            ConversionException e = assertThrows(ConversionException.class,
                    () -> t.validate(twice, new ConversionState()));
            assertTrue(e.getMessage().contains("matches 2 clusters"), e.getMessage());
        }
    }

    @Test
    void namesWithSpacesAreQuotedInTheSearch() throws Exception {
        engine.addStorageDomain("my data", "nfs");
        PlanContext ctx = ctx(n -> {
            n.put("rhv_storage", "my data");
            n.put("vm_name", "My Machine");
        });
        try (TargetDriver t = target()) {
            t.validate(ctx, new ConversionState());
        }
        assertEquals("name=\"My Machine\"", engine.calls("GET", FakeOvirtEngine.API + "/vms").get(0).query().get("search"));
        assertEquals("name=\"my data\"",
                engine.calls("GET", FakeOvirtEngine.API + "/storagedomains").get(0).query().get("search"));
    }

    @Test
    void badPasswordGivesAClearErrorWithoutThePassword() throws Exception {
        String wrong = "Wrong-Pa55word!";
        PlanContext ctx = ctx(engine.url(), wrong, n -> { });
        try (TargetDriver t = target()) {
            ConversionException e = assertThrows(ConversionException.class, () -> t.validate(ctx, new ConversionState()));
            String m = e.getMessage();
            assertTrue(m.startsWith("cannot log in to the oVirt engine at " + engine.url() + ": "), m);
            assertTrue(m.contains("authentication as admin@internal failed"), m);
            assertTrue(m.contains("The username or password is incorrect"), m);
            assertFalse(m.contains(wrong), m);
            assertFalse(m.contains(engine.password()), m);
            assertFalse(m.contains("\n"), m);
        }
        assertTrue(engine.apiCalls().isEmpty(), "no API call without a token");
    }

    @Test
    void userComesFromTheUrl() throws Exception {
        engine.setCredentials("v2v@internal", "pw-of-v2v");
        String url = engine.url().replace("://", "://v2v%40internal@");
        PlanContext ctx = ctx(url, "pw-of-v2v", n -> { });
        try (TargetDriver t = target()) {
            t.validate(ctx, new ConversionState());
            List<String> args = t.outputArguments(ctx);
            assertEquals(url, args.get(indexOf(args, "-oc") + 1));
        }
        assertEquals(1, engine.issuedTokens().size());
    }

    @Test
    void engineUnreachableNamesTheUrl() throws Exception {
        int port = engine.port();
        engine.close();
        String url = "https://localhost:" + port + "/ovirt-engine/api";
        PlanContext ctx = ctx(url, "pw-secret-1", n -> { });
        try (TargetDriver t = target()) {
            ConversionException e = assertThrows(ConversionException.class, () -> t.validate(ctx, new ConversionState()));
            assertTrue(e.getMessage().startsWith("cannot log in to the oVirt engine at " + url + ": engine unreachable"),
                    e.getMessage());
            assertFalse(e.getMessage().contains("pw-secret-1"));
        }
        engine = FakeOvirtEngine.start(ca);
    }

    @Test
    void finishChecksTheVmId() throws Exception {
        PlanContext ctx = ctx(n -> { });
        try (TargetDriver t = target()) {
            t.validate(ctx, new ConversionState()); // before virt-v2v made the VM
            String id = engine.addVm("My_Machine");
            ConversionState state = new ConversionState();
            state.setVmId(id);
            t.finish(ctx, state);
            assertEquals(1, engine.calls("GET", FakeOvirtEngine.API + "/vms/" + id).size());
        }
    }

    @Test
    void finishFailsWhenTheEngineDoesNotKnowTheVm() throws Exception {
        for (boolean emptyBody : new boolean[] {true, false}) {
            engine.setEmptyNotFoundBody(emptyBody);
            PlanContext ctx = ctx(n -> { });
            ConversionState state = new ConversionState();
            state.setVmId("5c2a4d1e-0000-4000-8000-000000000001");
            try (TargetDriver t = target()) {
                t.validate(ctx, new ConversionState());
                ConversionException e = assertThrows(ConversionException.class, () -> t.finish(ctx, state));
                assertEquals("the oVirt engine at " + engine.url()
                        + " has no VM with the id 5c2a4d1e-0000-4000-8000-000000000001 that virt-v2v reported",
                        e.getMessage());
            }
        }
    }

    @Test
    void finishFailsWithoutVmId() throws Exception {
        PlanContext ctx = ctx(n -> { });
        try (TargetDriver t = target()) {
            t.validate(ctx, new ConversionState());
            engine.clearCalls();
            ConversionException e = assertThrows(ConversionException.class, () -> t.finish(ctx, new ConversionState()));
            assertTrue(e.getMessage().contains("named no VM id"), e.getMessage());
            assertTrue(engine.calls().isEmpty(), "no need to connect"); // before close() logs out
        }
    }

    @Test
    void cleanupCancelsTransfersAndDeletesDisksOnceUnlocked() throws Exception {
        String d1 = engine.addDisk("11111111-1111-4111-8111-111111111111", "ok");
        String d2 = engine.addDisk("22222222-2222-4222-8222-222222222222", "ok");
        String other = engine.addDisk("33333333-3333-4333-8333-333333333333", "ok");
        String t1 = engine.addImageTransfer(d1, "transferring");
        String t2 = engine.addImageTransfer(d2, "paused_system");
        String tOther = engine.addImageTransfer(other, "transferring");
        engine.setUnlockAfterGets(2);
        PlanContext ctx = ctx(n -> { });
        ConversionState state = new ConversionState();
        state.setLastMessage(LastMessage.error("virt-v2v failed: disk write error"));
        state.facts().addOvirtDiskId(d1);
        state.facts().addOvirtDiskId(d2);
        try (TargetDriver t = target()) {
            t.validate(ctx, new ConversionState());
            t.cleanupAfterFailure(ctx, state);
        }
        assertEquals("cancelled_user", engine.imageTransfer(t1).phase());
        assertEquals("cancelled_user", engine.imageTransfer(t2).phase());
        assertEquals("transferring", engine.imageTransfer(tOther).phase(), "someone else's transfer untouched");
        assertFalse(engine.hasDisk(d1));
        assertFalse(engine.hasDisk(d2));
        assertTrue(engine.hasDisk(other));

        String api = FakeOvirtEngine.API;
        assertEquals(List.of("POST " + api + "/imagetransfers/" + t1 + "/cancel",
                        "POST " + api + "/imagetransfers/" + t2 + "/cancel"),
                engine.calls("POST", api + "/imagetransfers/").stream().map(c -> c.method() + " " + c.path()).toList());
        // locked → ok: no DELETE before the disk unlocked, each disk read until it did
        for (String d : List.of(d1, d2)) {
            List<FakeOvirtEngine.Call> forDisk = engine.apiCalls().stream()
                    .filter(c -> c.path().equals(api + "/disks/" + d)).toList();
            assertEquals(List.of("GET", "GET", "GET", "DELETE"), forDisk.stream().map(FakeOvirtEngine.Call::method).toList(),
                    forDisk.toString());
            assertEquals(200, forDisk.get(3).status());
        }
        // the cancels come before any disk is read
        int lastCancel = engine.calls().indexOf(engine.calls("POST", api + "/imagetransfers/").get(1));
        int firstDiskRead = engine.calls().indexOf(engine.calls("GET", api + "/disks/").get(0));
        assertTrue(lastCancel < firstDiskRead);
        assertEquals("virt-v2v failed: disk write error", state.lastMessage().orElseThrow().message());
        assertTrue(engine.liveTokens().isEmpty());
    }

    @Test
    void cleanupGivesUpOnDisksThatStayLockedAndKeepsTheOriginalError() throws Exception {
        String d1 = engine.addDisk("44444444-4444-4444-8444-444444444444", "locked");
        engine.setUnlockAfterGets(1_000_000);
        engine.addImageTransfer(d1, "finalizing_failure"); // not cancellable, disk stays locked
        PlanContext ctx = ctx(n -> { });
        ConversionState state = new ConversionState();
        state.setLastMessage(LastMessage.error("virt-v2v was killed"));
        state.facts().addOvirtDiskId(d1);
        OvirtTimeouts shortWait = new OvirtTimeouts(RhvFixture.FAST.connect(), RhvFixture.FAST.read(),
                RhvFixture.FAST.request(), java.time.Duration.ofMillis(300), java.time.Duration.ofMillis(50));
        long start = System.nanoTime();
        try (TargetDriver t = new TargetDriver(new RhvTarget(new OvirtConnectionFactory(shortWait)))) {
            t.validate(ctx, new ConversionState());
            t.cleanupAfterFailure(ctx, state);
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 5_000, "bounded wait, took " + ms + " ms");
        assertTrue(engine.hasDisk(d1));
        assertTrue(engine.calls("POST", FakeOvirtEngine.API + "/imagetransfers/").isEmpty());
        assertTrue(engine.calls("DELETE", FakeOvirtEngine.API + "/disks/").isEmpty());
        assertEquals(LastMessage.error("virt-v2v was killed"), state.lastMessage().orElseThrow());
    }

    @Test
    void cleanupWithoutDisksDoesNotConnect() throws Exception {
        PlanContext ctx = ctx(n -> { });
        try (TargetDriver t = target()) {
            t.validate(ctx, new ConversionState());
            engine.clearCalls();
            t.cleanupAfterFailure(ctx, new ConversionState());
            assertTrue(engine.calls().isEmpty()); // before close() logs out
        }
    }

    @Test
    void cleanupWhenTheEngineIsGoneDoesNotThrowNorReplaceTheError() throws Exception {
        PlanContext ctx = ctx(n -> { });
        ConversionState state = new ConversionState();
        state.setLastMessage(LastMessage.error("virt-v2v failed"));
        state.facts().addOvirtDiskId("55555555-5555-4555-8555-555555555555");
        try (TargetDriver t = target()) {
            t.validate(ctx, new ConversionState());
            engine.close();
            t.cleanupAfterFailure(ctx, state);
        }
        assertEquals("virt-v2v failed", state.lastMessage().orElseThrow().message());
        engine = FakeOvirtEngine.start(ca);
    }

    @Test
    void alreadyRemovedDisksAreFine() throws Exception {
        PlanContext ctx = ctx(n -> { });
        ConversionState state = new ConversionState();
        state.facts().addOvirtDiskId("66666666-6666-4666-8666-666666666666");
        try (TargetDriver t = target()) {
            t.validate(ctx, new ConversionState());
            t.cleanupAfterFailure(ctx, state);
        }
        assertTrue(engine.calls("DELETE", FakeOvirtEngine.API + "/disks/").isEmpty());
        assertTrue(state.lastMessage().isEmpty());
    }

    @Test
    void aWrongApiPathIsNamedInTheError() throws Exception {
        String url = engine.url().replace("/ovirt-engine/api", "/wrong/api");
        PlanContext ctx = ctx(url, engine.password(), n -> { });
        try (TargetDriver t = target()) {
            ConversionException e = assertThrows(ConversionException.class, () -> t.validate(ctx, new ConversionState()));
            assertTrue(e.getMessage().contains(url), e.getMessage());
            assertTrue(e.getMessage().contains("Is the path '/wrong/api' included in the 'url' parameter correct?"),
                    e.getMessage());
        }
    }
}
