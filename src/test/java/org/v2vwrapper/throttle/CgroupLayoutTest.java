package org.v2vwrapper.throttle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CgroupLayoutTest {
    private static final String HYBRID_MOUNTINFO = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """;

    @Test
    void hybridHostWithSeparateCpuHierarchy() {
        CgroupLayout l = CgroupLayout.parse(HYBRID_MOUNTINFO, """
            4:memory:/process_api/19fb
            2:cpuacct:/
            1:cpu:/batch/job 1
            0::/user.slice
            """);
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/unified")), l.v2Mount());
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/unified/user.slice")), l.v2Own());
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/cpu")), l.v1Mount());
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/cpu/batch/job 1")), l.v1Own());
    }

    @Test
    void combinedCpuCpuacctControllerAndEscapedMountPoint() {
        CgroupLayout l = CgroupLayout.parse(
            "40 31 0:33 / /sys/fs/cgroup/cpu\\040x rw - cgroup cgroup rw,cpu,cpuacct\n",
            "3:cpu,cpuacct:/a\n");
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/cpu x/a")), l.v1Own());
        assertEquals(Optional.empty(), l.v2Mount());
    }

    @Test
    void pureV2ContainerWithoutACgroupNamespaceSeesItsOwnCgroupAsTheMountRoot() {
        CgroupLayout l = CgroupLayout.parse(
            "1200 1190 0:26 /system.slice/docker-ab.scope /sys/fs/cgroup ro,nosuid - cgroup2 cgroup2 rw\n",
            "0::/system.slice/docker-ab.scope/init\n");
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup/init")), l.v2Own());
        assertEquals(Optional.empty(), l.v1Own());
    }

    @Test
    void aCgroupOutsideTheMountFallsBackToTheMountPoint() {
        CgroupLayout l = CgroupLayout.parse(
            "1 0 0:26 /a /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "0::/../b\n");
        assertEquals(Optional.of(Path.of("/sys/fs/cgroup")), l.v2Own());
    }

    @Test
    void nothingMounted() {
        assertEquals(CgroupLayout.NONE, CgroupLayout.parse("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", "0::/\n"));
    }
}
