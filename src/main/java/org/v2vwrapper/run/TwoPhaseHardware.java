package org.v2vwrapper.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.v2vwrapper.ConversionException;
import org.v2vwrapper.convert.DiskBus;
import org.v2vwrapper.convert.DiskDestination;
import org.v2vwrapper.convert.Firmware;
import org.v2vwrapper.convert.GuestDisk;
import org.v2vwrapper.convert.GuestHardware;
import org.v2vwrapper.convert.GuestNic;
import org.v2vwrapper.precopy.PreCopyResult;
import org.v2vwrapper.precopy.PreparedDisk;
import org.v2vwrapper.vsphere.NicInfo;
import org.v2vwrapper.vsphere.VmInfo;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The pre-copy's view of the source VM ({@link VmInfo} as vSphere reported it, the {@link PreparedDisk}s holding
 * its final data) mapped onto the conversion's {@link GuestHardware} and the disks' {@link DiskDestination}s.
 *
 * <p>The disks keep the pre-copy's order ({@code DiskSpec.index}), which is the order of the VM's
 * {@code config.hardware.device} list: {@code VmInfo} carries no controller key, unit number or controller type,
 * so every disk is put on SCSI (the vSphere default) and the order is the one vSphere listed them in.
 */
final class TwoPhaseHardware {
    private static final Logger LOG = LoggerFactory.getLogger(TwoPhaseHardware.class);
    private static final long MIB = 1024L * 1024;

    private TwoPhaseHardware() {
    }

    /** Text from vSphere or the request, quoted and escaped for a log line or last_message. */
    private static String quoted(String s) {
        return "\"" + org.v2vwrapper.text.Printable.escape(s) + "\"";
    }

    /** The pre-copy's disks in the source's order. */
    static List<PreparedDisk> ordered(PreCopyResult result) {
        return result.disks().stream().sorted(Comparator.comparingInt(d -> d.spec().index())).toList();
    }

    /**
     * @param vmName the request's {@code vm_name}: the domain's name, which virt-v2v and the local files use
     */
    static GuestHardware of(String vmName, PreCopyResult result) throws ConversionException {
        VmInfo vm = result.vm();
        List<PreparedDisk> disks = ordered(result);
        if (disks.isEmpty()) {
            throw new ConversionException("the pre-copy handed over no disks of " + quoted(vmName));
        }
        Set<Integer> indexes = new HashSet<>();
        List<GuestDisk> guestDisks = new ArrayList<>();
        for (PreparedDisk d : disks) {
            if (!indexes.add(d.spec().index())) {
                throw new ConversionException("the pre-copy handed over two disks numbered " + d.spec().index());
            }
            guestDisks.add(new GuestDisk(d.spec().deviceKey(), d.spec().capacityBytes(), d.spec().sourcePath(),
                    DiskBus.SCSI));
        }
        List<GuestNic> nics = new ArrayList<>();
        for (NicInfo nic : vm.nics()) {
            String network = nic.networkName() != null ? nic.networkName() : nic.portgroupKey();
            if (network == null || nic.macAddress() == null) {
                LOG.warn("network adapter {} has no {}; it is left out of the conversion XML",
                        quoted(String.valueOf(nic.label())), network == null ? "network" : "MAC address");
                continue;
            }
            try {
                nics.add(new GuestNic(nic.macAddress(), network));
            } catch (IllegalArgumentException e) {
                LOG.warn("network adapter {} has a MAC address that is not one ({}); it is left out",
                        quoted(String.valueOf(nic.label())), quoted(nic.macAddress()));
            }
        }
        int vcpus = Math.max(1, vm.numCpu());
        long memory = Math.max(1, vm.memoryMB()) * MIB;
        try {
            // numCoresPerSocket is not read from vSphere: one core per socket, as virt-v2v assumes without it.
            return new GuestHardware(vmName, memory, vcpus, 1, Firmware.fromVsphere(vm.firmware()), guestDisks, nics);
        } catch (IllegalArgumentException e) {
            throw new ConversionException("the VM " + quoted(vmName) + " cannot be described to virt-v2v: "
                    + e.getMessage(), e);
        }
    }

    /** Where each disk's copy is: a file (local_output_dir) or a block device (an attached disk or volume). */
    static List<DiskDestination> destinations(PreCopyResult result) throws ConversionException {
        List<DiskDestination> out = new ArrayList<>();
        for (PreparedDisk d : ordered(result)) {
            var path = d.localPath().toAbsolutePath();
            if (Files.isRegularFile(path)) {
                out.add(DiskDestination.file(path));
            } else if (Files.exists(path)) {
                out.add(DiskDestination.block(path));
            } else {
                throw new ConversionException("the copy of disk " + (d.spec().index() + 1) + " ("
                        + quoted(d.spec().sourcePath()) + ") is not at " + path);
            }
        }
        return out;
    }
}
