package org.v2vwrapper.v2vlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.v2vwrapper.state.DiskProgress;

/**
 * virt-v2v 1.4x, which cannot run here: the qemu-img progress fixture plus lines built from the exact formats in
 * {@code fixtures/virt-v2v/README.md}.
 */
class V2vLogParser14xTest {

    private static final String RHV_HEADER = "[  58.3] Copying disk %d/%d to qemu URI json:{ \"file.driver\": \"nbd\", "
            + "\"file.path\": \"/tmp/v2vnbdkit.Ab12Cd/nbdkit%d.sock\", \"file.export\": \"/\" } (raw)\n";
    private static final String VDDK_OPEN = "nbdkit: vddk[1]: debug: Opening file [store1] vm/vm_%d.vmdk "
            + "(ha-nfcssl://[store1] vm/vm_%d.vmdk@10.0.0.1:902)\n";

    private static String qemuImgProgress() {
        return new String(Fixtures.bytes("1.4x/qemu-img-progress.stdout"), StandardCharsets.US_ASCII);
    }

    /** The percentages the fixture prints, in order, consecutive duplicates removed. */
    private static List<Double> fixturePercents() {
        List<Double> out = new ArrayList<>();
        for (String p : qemuImgProgress().split("[\r\n]")) {
            if (!p.isBlank()) {
                double v = Double.parseDouble(p.strip().replace("(", "").replace("/100%)", ""));
                if (out.isEmpty() || out.get(out.size() - 1) != v) {
                    out.add(v);
                }
            }
        }
        return out;
    }

    @Test
    void vddkToRhvUploadTwoDisks() {
        Harness h = new Harness();
        h.v2v("[  12.0] Opening the source -i libvirt -ic vpx://… vm\n"
                + String.format(RHV_HEADER, 1, 2, 1)
                + "disk.id = '11111111-1111-1111-1111-111111111111'\n"
                + String.format(VDDK_OPEN, 1, 1)
                + qemuImgProgress()
                + String.format(RHV_HEADER, 2, 2, 2)
                + "disk.id = '22222222-2222-2222-2222-222222222222'\n"
                + String.format(VDDK_OPEN, 2, 2).replace("nbdkit: vddk[1]: debug:", "nbdkit: debug:")
                + qemuImgProgress()
                + "[ 300.1] Creating output metadata\n"
                + "<?xml version='1.0' encoding='utf-8'?>\n"
                + "<ovf:Envelope xmlns:ovf='http://schemas.dmtf.org/ovf/envelope/1/'>\n"
                + "  <VirtualSystem ovf:id='33333333-3333-3333-3333-333333333333'>\n"
                + "[ 301.0] Finishing off\n");

        Map<String, Object> s = h.snapshot();
        assertEquals(List.of(new DiskProgress("[store1] vm/vm_1.vmdk", 100),
                new DiskProgress("[store1] vm/vm_2.vmdk", 100)), s.get("disks"));
        assertEquals(2, s.get("disk_count"));
        assertEquals(fixturePercents(), h.progressOf("[store1] vm/vm_1.vmdk"));
        assertEquals(fixturePercents(), h.progressOf("[store1] vm/vm_2.vmdk"));
        assertEquals(65, fixturePercents().size(), "every intermediate value seen");
        assertEquals("33333333-3333-3333-3333-333333333333", s.get("vm_id"));
        assertEquals(List.of("11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"),
                h.state.facts().ovirtDiskIds());
        assertEquals("Finishing off", s.get("status"));
    }

    @Test
    void copyingHeaderSetsAShortStatus() {
        Harness h = new Harness().v2v("[  58.3] Copying disk 1/2 to /var/tmp/guest-sda (raw)\n");
        assertEquals("Copying disk 1/2", h.snapshot().get("status"));
        assertEquals(2, h.snapshot().get("disk_count"));
        assertEquals(0, h.state.currentDisk());
    }

    @Test
    void sshOverlayPathIsMappedToTheDatastorePath() {
        Harness h = new Harness();
        h.state.initDisks(List.of("[ds1] vm/vm_2.vmdk", "[ds1] vm/vm.vmdk"));
        h.v2v("[  58.3] Copying disk 1/2 to /var/tmp/guest-sda (raw)\n"
                + "  overlay source qemu URI: json:{ \"file.driver\": \"ssh\", \"file.path\": "
                + "\"/vmfs/volumes/ds1/vm/vm-flat.vmdk\", \"file.host\": \"esxi\", \"file.host_key_check\": \"no\" }\n"
                + "    (50.00/100%)\r    (100.00/100%)\r\n"
                + "[  70.3] Copying disk 2/2 to /var/tmp/guest-sdb (raw)\n"
                + "  overlay source qemu URI: json:{ \"file.driver\": \"ssh\", \"file.path\": "
                + "\"/vmfs/volumes/ds1/vm/vm_2.vmdk\", \"file.host\": \"esxi\", \"file.host_key_check\": \"no\" }\n"
                + "    (0.00/100%)\r    (33.33/100%)\r");

        // source_disks listed them the other way round: each known path moved to the disk virt-v2v copies
        assertEquals(List.of(new DiskProgress("[ds1] vm/vm.vmdk", 100), new DiskProgress("[ds1] vm/vm_2.vmdk", 33.33)),
                h.snapshot().get("disks"));
        assertEquals(List.of(0.0, 50.0, 100.0), h.progressOf("[ds1] vm/vm.vmdk"));
    }

    @Test
    void nbdSocketOverlayIsNoPathSoAPlaceholderTakesTheProgress() {
        Harness h = new Harness().v2v("[  58.3] Copying disk 1/1 to /var/tmp/guest-sda (raw)\n"
                + "  overlay source qemu URI: nbd:unix:/tmp/v2vnbdkit.x/nbdkit1.sock:exportname=/\n"
                + "  overlay source qemu URI: json:{ \"file.driver\": \"nbd\", \"file.path\": \"/tmp/v2v/nbdkit1.sock\" }\n"
                + qemuImgProgress());
        assertEquals(List.of(new DiskProgress("disk 1", 100)), h.snapshot().get("disks"));
        assertEquals(fixturePercents(), h.progressOf("disk 1"));
    }

    @Test
    void aPathLearntAfterTheFirstProgressReplacesThePlaceholder() {
        Harness h = new Harness().v2v("    Copying disk 1/1 to /var/tmp/guest-sda (raw)\n"
                + "    (10.00/100%)\r" + String.format(VDDK_OPEN, 1, 1) + "    (20.00/100%)\r");
        assertEquals(List.of(new DiskProgress("[store1] vm/vm_1.vmdk", 20)), h.snapshot().get("disks"));
    }

    @Test
    void vddkReopeningAnotherFileDoesNotAddADisk() {
        Harness h = new Harness().v2v("    Copying disk 1/1 to /var/tmp/guest-sda (raw)\n"
                + "nbdkit: vddk[1]: debug: Opening file [store1] vm/vm-000001.vmdk "
                + "(ha-nfcssl://[store1] vm/vm-000001.vmdk@10.0.0.1:902)\n"
                + String.format(VDDK_OPEN, 1, 1) + "    (100.00/100%)\n");
        assertEquals(List.of(new DiskProgress("[store1] vm/vm-000001.vmdk", 100)), h.snapshot().get("disks"));
    }

    @Test
    void progressFollowsADiskWhoseEntryLandedBeforeItsIndex() {
        // disk 1 showed neither path nor progress: disk 2's entry is the first in the list
        Harness h = new Harness().v2v("    Copying disk 1/2 to /var/tmp/guest-sda (raw)\n"
                + "    Copying disk 2/2 to /var/tmp/guest-sdb (raw)\n"
                + String.format(VDDK_OPEN, 2, 2) + "    (40.00/100%)\r");
        assertEquals(List.of(new DiskProgress("[store1] vm/vm_2.vmdk", 40)), h.snapshot().get("disks"));
    }

    @Test
    void pathsBeforeAnyCopyAreIgnored() {
        Harness h = new Harness().v2v(String.format(VDDK_OPEN, 1, 1) + "    (12.00/100%)\r");
        assertFalse(h.snapshot().containsKey("disks"));
    }

    @Test
    void vmxDisplayName() {
        Harness h = new Harness().v2v("config.version = \"8\"\ndisplayName = \"My VM |22quoted|22\"\n"
                + "  displayName = \"indented is no vmx line\"\n");
        assertEquals(Optional.of("My VM \"quoted\""), h.state.facts().displayName());
    }

    @Test
    void openstackVolumesPlainAndQuoted() {
        String a = "aaaaaaaa-0000-0000-0000-00000000000a";
        String b = "bbbbbbbb-0000-0000-0000-00000000000b";
        Harness plain = new Harness().v2v(
                "openstack --os-username=admin --os-auth-url=http://k:5000/v3 volume show -f json " + b + "\n"
                + "openstack --os-username=admin volume show -f json " + b + "\n"
                + "openstack --os-username=admin volume show -f json " + a + "\n"
                + "openstack --os-username=admin volume set --description virt-v2v temporary volume "
                + "--property virt_v2v_disk_index=1/2 --property virt_v2v_version=1.40 " + a + "\n"
                + "openstack --os-username=admin volume set --description x "
                + "--property virt_v2v_disk_index=2/2 " + b + "\n");
        assertEquals(List.of(a, b), plain.state.facts().ospVolumeIds(), "the index line is the reliable mapping");

        Harness quoted = new Harness().v2v(
                "openstack '--os-username=admin' '--os-password=…' 'volume' 'show' '-f' 'json' '" + a + "'\n"
                + "openstack '--os-username=admin' 'volume' 'show' '-f' 'json' '" + b + "'\n");
        assertEquals(List.of(a, b), quoted.state.facts().ospVolumeIds(), "volume show gives the creation order");
    }

    @Test
    void noiseMentioningTheKeywordsChangesNothing() {
        Harness h = new Harness().v2v(
                "libguestfs: trace: v2v: write \"/x.bat\" \"echo Copying disk 1/2\\x0d\\x0a size=20%,mode\"\n"
                + " --disk-id <dev> [<str>]           print or change disk label ID (UUID)\n"
                + "[   16.254135] sd 2:0:0:0: [sda] Copying disk 1/2\n"
                + "get_windows_systemroot: windows %SYSTEMROOT% = /Windows\n"
                + "disk.id = 'not-an-id!'\n"
                + "libguestfs: trace: disk.id = '11111111-1111-1111-1111-111111111111'\n"
                + "openstack volume list\n"
                + "Copying disk 3/2\n");
        assertEquals(Map.of(), h.snapshot());
        assertEquals(List.of(), h.state.facts().ovirtDiskIds());
    }
}
