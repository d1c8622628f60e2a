package org.v2vwrapper.v2vlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The small recognisers behind V2vLogParser. */
class PiecesTest {

    private static List<Double> progress(String line) {
        List<Double> out = new ArrayList<>();
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        ProgressScan.scan(b, 0, b.length, ByteScan.indexOf(b, 0, b.length, (byte) '%'), out::add);
        return out;
    }

    @Test
    void progressForms() {
        assertEquals(List.of(12.5), progress("    (12.50/100%)"));
        assertEquals(List.of(100.0), progress("    (100.00/100%)"));
        assertEquals(List.of(15.62), progress("(15.62/100%)"));
        assertEquals(List.of(25.0), progress("▗  25% [**********------------------------------]"));
        assertEquals(List.of(100.0), progress("█ 100% [****************************************]"));
        assertEquals(List.of(0.0), progress("nbdkit: debug: x ▝   0% [----------------------------------------]"));
        assertEquals(List.of(), progress("mount -t tmpfs -o nosuid,size=20%,mode=0755 tmpfs /run"));
        assertEquals(List.of(), progress("windows %SYSTEMROOT% = /Windows"));
        assertEquals(List.of(), progress("used 50% [of disk]"));
        assertEquals(List.of(), progress("(150.00/100%)"));
        assertEquals(List.of(), progress("x1000% [**]"));
    }

    @Test
    void vmfsPaths() {
        assertEquals("[ds1] vm/vm.vmdk", VmwarePaths.datastorePath("/vmfs/volumes/ds1/vm/vm-flat.vmdk"));
        assertEquals("[ds1] vm/vm_1.vmdk", VmwarePaths.datastorePath("/vmfs/volumes/ds1/vm/vm_1.vmdk"));
        assertEquals("[ds 2] a b/c.vmdk", VmwarePaths.datastorePath("/vmfs/volumes/ds 2/a b/c-flat.vmdk"));
        assertEquals("/var/lib/x.img", VmwarePaths.datastorePath("/var/lib/x.img"));
        assertEquals("/vmfs/volumes/ds1/vm/vm.raw", VmwarePaths.datastorePath("/vmfs/volumes/ds1/vm/vm.raw"));
    }

    @Test
    void vddkOpenPath() {
        assertEquals("[store1] vm/vm_1.vmdk",
                VddkOpen.path("[store1] vm/vm_1.vmdk (ha-nfcssl://[store1] vm/vm_1.vmdk@10.0.0.1:902)"));
        assertEquals("[s] vm (copy)/vm.vmdk",
                VddkOpen.path("[s] vm (copy)/vm.vmdk (nbdssl://[s] vm (copy)/vm.vmdk@esx:902)"));
        assertEquals("[s] vm/vm.vmdk", VddkOpen.path("[s] vm/vm.vmdk"));
    }

    @Test
    void shellWords() {
        assertEquals(List.of("LANG=C", "nbdkit", "--unix", "/tmp/in0", "file=[ds] vm/vm.vmdk", "it's"),
                ShellWords.split(" LANG=C 'nbdkit' '--unix' '/tmp/in0' 'file=[ds] vm/vm.vmdk' 'it'\\''s'"));
    }

    @Test
    void nbdkitInputBlocks() {
        assertEquals(new NbdkitInput(0, "windows.img"), NbdkitInput.parse(" LANG=C 'nbdkit' '--exit-with-parent' "
                + "'--unix' '/tmp/v2v.9BtSep/in0' '--filter' 'cow' 'file' 'file=windows.img' 'cache=none'"));
        assertEquals(new NbdkitInput(1, "[ds1] vm/vm_2.vmdk"), NbdkitInput.parse("'nbdkit' '--unix' "
                + "'/tmp/v2v.a/in1' 'vddk' 'server=esx' 'vm=moref=vm-1' 'file=[ds1] vm/vm_2.vmdk'"));
        assertEquals(new NbdkitInput(0, "[ds1] vm/vm.vmdk"), NbdkitInput.parse("'nbdkit' '--unix' "
                + "'/tmp/v2v.a/in0' 'ssh' 'host=esx' 'user=root' 'path=/vmfs/volumes/ds1/vm/vm-flat.vmdk'"));
        assertNull(NbdkitInput.parse(" LANG=C 'nbdkit' '--unix' '/tmp/v2v.9BtSep/out0' 'file' 'file=/tmp/out/x'"));
        assertNull(NbdkitInput.parse("'nbdkit' '--unix' '/tmp/v2v.a/in0' 'null'"));
    }

    @Test
    void phaseLines() {
        byte[] ok = "[  12.3] Text".getBytes(StandardCharsets.US_ASCII);
        assertEquals(9, PhaseLine.textStart(ok, 0, ok.length));
        byte[] kernel = "[   16.254135] sd 2:0:0:0:".getBytes(StandardCharsets.US_ASCII);
        assertEquals(-1, PhaseLine.textStart(kernel, 0, kernel.length));
        byte[] big = "[1234.5] Finishing off".getBytes(StandardCharsets.US_ASCII);
        assertEquals(9, PhaseLine.textStart(big, 0, big.length));
    }
}
