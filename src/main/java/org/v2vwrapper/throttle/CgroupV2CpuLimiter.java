package org.v2vwrapper.throttle;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalLong;

/** cgroup v2: {@code cpu.max} holds "QUOTA PERIOD" or "max PERIOD". */
public final class CgroupV2CpuLimiter extends CgroupCpuLimiter {
    CgroupV2CpuLimiter(Path directory, Path home) {
        super(directory, home);
    }

    @Override
    void writeLimit(OptionalLong percent) throws IOException {
        Path cpuMax = directory().orElseThrow().resolve("cpu.max");
        long period = DEFAULT_PERIOD_US;
        try {
            String[] current = readControl(cpuMax).split("\\s+");
            if (current.length == 2) {
                period = Long.parseLong(current[1]);
            }
        } catch (IOException | NumberFormatException e) {
            // a new cgroup's file is "max 100000"; keep the default
        }
        String quota = percent.isEmpty() ? "max" : Long.toString(quotaMicros(percent.getAsLong(), period));
        writeControl(cpuMax, quota + " " + period);
    }
}
