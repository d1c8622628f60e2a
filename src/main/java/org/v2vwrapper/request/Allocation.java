package org.v2vwrapper.request;

public enum Allocation {
    PREALLOCATED, SPARSE;

    public String v2vName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
