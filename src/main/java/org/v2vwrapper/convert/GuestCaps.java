package org.v2vwrapper.convert;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the converted guest can drive, as virt-v2v decided while converting it (its {@code guestcaps}). On 2.x
 * the destination's VM is made by the wrapper, so these choose its disk bus, NIC model and machine type.
 *
 * <p>virt-v2v(-in-place) {@code -v} prints them in its log ({@code convert/convert.ml}:
 * {@code debug "%s" (string_of_guestcaps guestcaps)}), one {@code gcaps_FIELD = VALUE} per line;
 * {@link #fromLog} reads that block.
 */
public record GuestCaps(BlockBus blockBus, NetModel netModel, Machine machine, boolean virtioRng,
                        boolean virtioBalloon, String arch) {

    public enum BlockBus {
        VIRTIO_BLK("virtio-blk"), VIRTIO_SCSI("virtio-scsi"), IDE("ide");

        final String logName;

        BlockBus(String logName) {
            this.logName = logName;
        }
    }

    public enum NetModel {
        VIRTIO_NET("virtio-net", "virtio"), E1000("e1000", "e1000"), RTL8139("rtl8139", "rtl8139");

        final String logName;
        private final String libvirtModel;

        NetModel(String logName, String libvirtModel) {
            this.logName = logName;
            this.libvirtModel = libvirtModel;
        }

        /** libvirt's {@code <model type='…'>} and OpenStack's {@code hw_vif_model}. */
        public String libvirtModel() {
            return libvirtModel;
        }
    }

    public enum Machine {
        I440FX("i440fx", "pc"), Q35("q35", "q35"), VIRT("virt", "virt");

        final String logName;
        private final String qemuName;

        Machine(String logName, String qemuName) {
            this.logName = logName;
            this.qemuName = qemuName;
        }

        /** QEMU's machine type name ({@code pc}, {@code q35}, {@code virt}). */
        public String qemuName() {
            return qemuName;
        }
    }

    public GuestCaps {
        Objects.requireNonNull(blockBus, "blockBus");
        Objects.requireNonNull(netModel, "netModel");
        Objects.requireNonNull(machine, "machine");
        arch = Objects.requireNonNullElse(arch, "");
    }

    private static final Pattern LINE = Pattern.compile("^\\s*gcaps_(\\w+) = (\\S+)\\s*$");

    /**
     * The last guest-capabilities block in a virt-v2v log, or empty if the log has none (a run without
     * {@code -v}, or one that failed before converting). Unknown values make it empty too, rather than guessing.
     */
    public static Optional<GuestCaps> fromLog(Stream<String> lines) {
        Map<String, String> fields = new java.util.HashMap<>();
        java.util.concurrent.atomic.AtomicReference<Map<String, String>> last = new java.util.concurrent.atomic.AtomicReference<>();
        lines.forEach(line -> {
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                if (m.group(1).equals("block_bus")) {
                    fields.clear();
                }
                fields.put(m.group(1), m.group(2));
                if (fields.containsKey("block_bus") && fields.containsKey("net_bus") && fields.containsKey("machine")
                        && fields.containsKey("arch")) {
                    last.set(Map.copyOf(fields));
                }
            }
        });
        if (last.get() == null) {
            return Optional.empty();
        }
        Map<String, String> f = last.get();
        Optional<BlockBus> block = Stream.of(BlockBus.values()).filter(b -> b.logName.equals(f.get("block_bus"))).findFirst();
        Optional<NetModel> net = Stream.of(NetModel.values()).filter(n -> n.logName.equals(f.get("net_bus"))).findFirst();
        Optional<Machine> machine = Stream.of(Machine.values()).filter(m -> m.logName.equals(f.get("machine"))).findFirst();
        if (block.isEmpty() || net.isEmpty() || machine.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new GuestCaps(block.get(), net.get(), machine.get(), "true".equals(f.get("virtio_rng")),
                "true".equals(f.get("virtio_balloon")), f.get("arch")));
    }
}
