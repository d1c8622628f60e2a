package org.v2vwrapper.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One entry of the state file's {@code disks}: the disk as the source names it, its copy percentage and, while
 * virt-v2v 1.4x's two-phase overlays are committed, {@code commit_progress} (absent otherwise).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DiskProgress(String path, double progress,
                           @JsonProperty("commit_progress") Double commitProgress) {
    public DiskProgress(String path, double progress) {
        this(path, progress, null);
    }
}
