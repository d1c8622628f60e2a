package org.v2vwrapper.vsphere;

/**
 * A task's {@code info}: {@code state} ({@code queued}, {@code running}, {@code success}, {@code error}), the
 * fault's type and localized message when it failed, and the {@code result} when it is a managed object (the
 * snapshot of {@code CreateSnapshot_Task}).
 */
public record TaskInfo(String state, String errorType, String errorMessage, ManagedObjectRef result) {
    public boolean done() {
        return "success".equals(state) || "error".equals(state);
    }
}
