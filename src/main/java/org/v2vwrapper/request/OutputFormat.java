package org.v2vwrapper.request;

public enum OutputFormat {
    RAW, QCOW2;

    public String v2vName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
