package org.v2vwrapper.state;

/** One entry of the state file's {@code disks}: the disk as the source names it and its copy percentage. */
public record DiskProgress(String path, double progress) {
}
