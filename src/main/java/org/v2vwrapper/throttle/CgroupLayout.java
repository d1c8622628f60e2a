package org.v2vwrapper.throttle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * Where this process's cgroups are: the cgroup2 directory and the cgroup v1 {@code cpu} directory it is in,
 * found from {@code /proc/self/mountinfo} (mount points and roots) and {@code /proc/self/cgroup} (paths).
 *
 * @param v2Mount the cgroup2 mount point
 * @param v2Own   the directory of this process's cgroup2 cgroup
 * @param v1Mount the mount point of the v1 hierarchy holding the {@code cpu} controller
 * @param v1Own   the directory of this process's cgroup in that hierarchy
 */
public record CgroupLayout(Optional<Path> v2Mount, Optional<Path> v2Own, Optional<Path> v1Mount, Optional<Path> v1Own) {
    public static final CgroupLayout NONE =
        new CgroupLayout(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    /** This process's layout; {@link #NONE} where /proc cannot be read. */
    public static CgroupLayout detect() {
        try {
            return parse(Files.readString(Path.of("/proc/self/mountinfo")), Files.readString(Path.of("/proc/self/cgroup")));
        } catch (IOException | RuntimeException e) {
            return NONE;
        }
    }

    static CgroupLayout parse(String mountinfo, String procCgroup) {
        Optional<Path> v2Mount = Optional.empty();
        Optional<Path> v2Own = Optional.empty();
        Optional<Path> v1Mount = Optional.empty();
        Optional<Path> v1Own = Optional.empty();
        String v2Path = null;
        String v1Path = null;
        for (String line : procCgroup.split("\n")) {
            String[] f = line.split(":", 3);
            if (f.length < 3) {
                continue;
            }
            if (f[0].equals("0") && f[1].isEmpty()) {
                v2Path = f[2].strip();
            } else if (Arrays.asList(f[1].split(",")).contains("cpu")) {
                v1Path = f[2].strip();
            }
        }
        for (String line : mountinfo.split("\n")) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] left = line.substring(0, dash).split(" ");
            String[] right = line.substring(dash + 3).split(" ");
            if (left.length < 5 || right.length < 3) {
                continue;
            }
            String root = unescape(left[3]);
            Path mountPoint = Path.of(unescape(left[4]));
            String type = right[0];
            if (type.equals("cgroup2") && v2Mount.isEmpty() && v2Path != null) {
                v2Mount = Optional.of(mountPoint);
                v2Own = Optional.of(own(mountPoint, root, v2Path));
            } else if (type.equals("cgroup") && v1Mount.isEmpty() && v1Path != null
                && Arrays.asList(right[2].split(",")).contains("cpu")) {
                v1Mount = Optional.of(mountPoint);
                v1Own = Optional.of(own(mountPoint, root, v1Path));
            }
        }
        return new CgroupLayout(v2Mount, v2Own, v1Mount, v1Own);
    }

    /**
     * The directory of a cgroup path under a mount whose root may itself be a sub-cgroup (a bind mount of
     * the container's own cgroup without a cgroup namespace shows the host's path in /proc/self/cgroup).
     */
    private static Path own(Path mountPoint, String root, String cgroupPath) {
        String relative;
        if (root.equals("/")) {
            relative = cgroupPath;
        } else if (cgroupPath.equals(root) || cgroupPath.startsWith(root + "/")) {
            relative = cgroupPath.substring(root.length());
        } else {
            return mountPoint;
        }
        // "/.." appears for a cgroup outside the namespace's view; the mount itself is then the best guess.
        if (relative.contains("/..") || relative.contains("(deleted)")) {
            return mountPoint;
        }
        Path dir = mountPoint;
        for (String part : relative.split("/")) {
            if (!part.isEmpty()) {
                dir = dir.resolve(part);
            }
        }
        return dir;
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo. */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
