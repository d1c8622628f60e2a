package org.v2vwrapper.vsphere;

import java.util.Objects;

/** A vim25 {@code ManagedObjectReference}: its {@code type} attribute and its value, e.g. VirtualMachine vm-42. */
public record ManagedObjectRef(String type, String value) {
    public ManagedObjectRef {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
        return type + ":" + value;
    }
}
