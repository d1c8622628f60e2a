package org.v2vwrapper.convert;

import org.junit.jupiter.api.Test;
import org.v2vwrapper.plan.PlanBuilder;
import org.v2vwrapper.plan.V2vCapabilities;
import org.v2vwrapper.request.NetworkMapping;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TwoPhaseCommandsTest {
    private static final List<NetworkMapping> MAPPINGS = List.of(
            new NetworkMapping("VM Network", "ovirtmgmt", Optional.empty(), Optional.empty()),
            new NetworkMapping("dmz", "dmz-net", Optional.of("00:50:56:aa:bb:cc"), Optional.empty()));
    private static final V2vCapabilities MAC_OPTION = new V2vCapabilities(java.util.Set.of("virt-v2v", "mac-option"));
    private static final V2vCapabilities NO_MAC_OPTION = new V2vCapabilities(java.util.Set.of("virt-v2v"));
    private static final List<String> KEYS = List.of("--key", "/dev/sda2:file:/run/v2v/secrets/luks-1");

    @Test
    void inPlace() {
        ConversionCommand c = TwoPhaseCommands.inPlace(Path.of("/usr/bin/virt-v2v-in-place"), Path.of("/var/log/v2v/run1/virt-v2v-mr.log"),
                Path.of("/run/v2v/run1/web01.xml"), PlanBuilder.networkArguments(MAPPINGS, MAC_OPTION), KEYS);
        assertEquals(List.of("/usr/bin/virt-v2v-in-place", "-v", "-x", "--root", "first",
                "--machine-readable=file:/var/log/v2v/run1/virt-v2v-mr.log", "-i", "libvirtxml",
                "/run/v2v/run1/web01.xml", "--bridge", "VM Network:ovirtmgmt", "--mac", "00:50:56:aa:bb:cc:bridge:dmz-net",
                "--key", "/dev/sda2:file:/run/v2v/secrets/luks-1"), c.argv());
        assertEquals("C", c.environment().get("LANG"));
        assertEquals("direct", c.environment().get("LIBGUESTFS_BACKEND"));
    }

    @Test
    void withoutTheMacOptionEveryMappingIsABridgeAsInOnePhase() {
        assertEquals(List.of("--bridge", "VM Network:ovirtmgmt", "--bridge", "dmz:dmz-net"),
                PlanBuilder.networkArguments(MAPPINGS, NO_MAC_OPTION));
    }

    @Test
    void inspector() {
        ConversionCommand c = TwoPhaseCommands.inspector(Path.of("/usr/bin/virt-v2v-inspector"),
                Path.of("/run/v2v/run1/web01.xml"), Path.of("/run/v2v/run1/inspection.xml"), List.of());
        assertEquals(List.of("/usr/bin/virt-v2v-inspector", "-v", "-x", "--root", "first", "-i", "libvirtxml",
                "/run/v2v/run1/web01.xml", "-O", "/run/v2v/run1/inspection.xml"), c.argv());
    }

    @Test
    void overlaysOn14x() {
        ConversionCommand c = TwoPhaseCommands.overlays(Path.of("/usr/bin/virt-v2v"), Path.of("/var/log/v2v/run1/virt-v2v-mr.log"),
                Path.of("/run/v2v/run1/web01.xml"), Path.of("/var/tmp/v2v-run1"), PlanBuilder.networkArguments(MAPPINGS.subList(0, 1), MAC_OPTION), KEYS,
                List.of("-o", "rhv-upload", "-os", "data"), List.of("d1", "d2"));
        assertEquals(List.of("/usr/bin/virt-v2v", "-v", "-x", "--root", "first",
                "--machine-readable=file:/var/log/v2v/run1/virt-v2v-mr.log", "-i", "libvirtxml",
                "/run/v2v/run1/web01.xml", "--debug-overlays", "--no-copy", "--bridge", "VM Network:ovirtmgmt",
                "--key", "/dev/sda2:file:/run/v2v/secrets/luks-1", "-o", "rhv-upload", "-os", "data",
                "-oo", "rhv-disk-uuid=d1", "-oo", "rhv-disk-uuid=d2"), c.argv());
        assertEquals("/var/tmp/v2v-run1", c.environment().get("LIBGUESTFS_CACHEDIR"));
    }

    @Test
    void describeQuotesForTheLog() {
        ConversionCommand c = TwoPhaseCommands.inPlace(Path.of("virt-v2v-in-place"), Path.of("/l/virt-v2v-mr.log"), Path.of("/x/vm.xml"),
                PlanBuilder.networkArguments(MAPPINGS.subList(0, 1), NO_MAC_OPTION), List.of());
        assertEquals("LANG=C LIBGUESTFS_BACKEND=direct virt-v2v-in-place -v -x --root first "
                + "--machine-readable=file:/l/virt-v2v-mr.log -i libvirtxml /x/vm.xml --bridge 'VM Network:ovirtmgmt'",
                c.describe());
    }
}
