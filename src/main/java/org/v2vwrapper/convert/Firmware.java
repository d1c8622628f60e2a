package org.v2vwrapper.convert;

/** The source VM's firmware, as vSphere's {@code config.firmware} says ({@code bios} or {@code efi}). */
public enum Firmware {
    BIOS("bios"),
    UEFI("efi");

    private final String libvirtName;

    Firmware(String libvirtName) {
        this.libvirtName = libvirtName;
    }

    /** The value of libvirt's {@code <os firmware='…'>}. */
    public String libvirtName() {
        return libvirtName;
    }

    /** vSphere's {@code config.firmware} value; anything but {@code efi} is BIOS, as vSphere defaults. */
    public static Firmware fromVsphere(String value) {
        return "efi".equalsIgnoreCase(value) ? UEFI : BIOS;
    }
}
