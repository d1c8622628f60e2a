package org.v2vwrapper.convert;

import java.util.List;
import java.util.Objects;

/**
 * What the conversion needs to know of the source VM's configuration, mapped by the caller from the vSphere
 * VM config the pre-copy reads.
 *
 * @param name           the VM's name (the libvirt domain name; also virt-v2v's output name)
 * @param memoryBytes    memory size
 * @param vcpus          number of virtual CPUs
 * @param coresPerSocket vSphere's {@code numCoresPerSocket} (1 when unknown); must divide {@code vcpus}
 * @param firmware       BIOS or UEFI
 * @param disks          the disks in the source's controller order (controller key, then unit number); the
 *                       domain XML keeps this order, and so does virt-v2v's numbering of the output disks
 * @param nics           the network adapters in the source's order
 */
public record GuestHardware(String name, long memoryBytes, int vcpus, int coresPerSocket, Firmware firmware,
                            List<GuestDisk> disks, List<GuestNic> nics) {
    public GuestHardware {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(firmware, "firmware");
        if (name.isBlank()) {
            throw new IllegalArgumentException("the VM has no name");
        }
        if (memoryBytes <= 0) {
            throw new IllegalArgumentException("memory must be positive, not " + memoryBytes);
        }
        if (vcpus <= 0 || coresPerSocket <= 0 || vcpus % coresPerSocket != 0) {
            throw new IllegalArgumentException(vcpus + " vCPUs cannot be split into sockets of " + coresPerSocket
                    + " cores");
        }
        disks = List.copyOf(disks);
        nics = List.copyOf(nics);
        if (disks.isEmpty()) {
            throw new IllegalArgumentException("the VM " + name + " has no disks");
        }
    }

    public int sockets() {
        return vcpus / coresPerSocket;
    }
}
