package org.v2vwrapper.convert;

import java.util.Objects;

/**
 * What the 2.x conversion leaves for making the destination's VM: the source VM's hardware (as in the conversion
 * XML), what virt-v2v-in-place decided the guest can drive ({@link GuestCaps}, from its log) and what
 * virt-v2v-inspector found ({@link OsFacts}).
 */
public record ConvertedGuest(GuestHardware hardware, GuestCaps caps, OsFacts facts) {
    public ConvertedGuest {
        Objects.requireNonNull(hardware, "hardware");
        Objects.requireNonNull(caps, "caps");
        Objects.requireNonNull(facts, "facts");
    }

    /** UEFI if the inspector says so or the source booted UEFI (2.2's inspector writes no {@code <firmware>}). */
    public boolean uefi() {
        return facts.isUefi() || hardware.firmware() == Firmware.UEFI;
    }
}
