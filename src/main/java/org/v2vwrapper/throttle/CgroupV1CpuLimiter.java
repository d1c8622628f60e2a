package org.v2vwrapper.throttle;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalLong;

/** cgroup v1: {@code cpu.cfs_quota_us} per {@code cpu.cfs_period_us}; -1 = no limit. */
public final class CgroupV1CpuLimiter extends CgroupCpuLimiter {
    CgroupV1CpuLimiter(Path directory, Path home) {
        super(directory, home);
    }

    @Override
    void writeLimit(OptionalLong percent) throws IOException {
        Path dir = directory().orElseThrow();
        if (percent.isEmpty()) {
            writeControl(dir.resolve("cpu.cfs_quota_us"), "-1");
            return;
        }
        long period = DEFAULT_PERIOD_US;
        try {
            period = Long.parseLong(readControl(dir.resolve("cpu.cfs_period_us")));
        } catch (IOException | NumberFormatException e) {
            writeControl(dir.resolve("cpu.cfs_period_us"), Long.toString(period));
        }
        writeControl(dir.resolve("cpu.cfs_quota_us"), Long.toString(quotaMicros(percent.getAsLong(), period)));
    }
}
