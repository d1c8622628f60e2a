package org.v2vwrapper.throttle;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.v2vwrapper.nbd.CopyOptions;
import org.v2vwrapper.nbd.CopyProgress;
import org.v2vwrapper.nbd.CopyResult;
import org.v2vwrapper.nbd.DiskCopier;
import org.v2vwrapper.nbd.NbdClient;
import org.v2vwrapper.nbd.NbdClientOptions;
import org.v2vwrapper.nbd.NbdkitConfig;
import org.v2vwrapper.nbd.NbdkitProcess;
import org.v2vwrapper.nbd.TokenBucket;

/**
 * Figures for docs/performance.md (run by bench/throttle.sh; not a test): the CPU share of a fake virt-v2v's
 * two busy children under several limits, and the NBD engine's copy rate under several limits.
 *
 * <p>Arguments: seconds per CPU measurement, then CPU percents ("unlimited" allowed), "--", then copy rates
 * in MiB/s ("unlimited" allowed).
 */
public final class ThrottleBench {
    private static final long MIB = 1024 * 1024;

    private ThrottleBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = Integer.parseInt(args[0]);
        List<String> cpu = new ArrayList<>();
        List<String> rates = new ArrayList<>();
        boolean afterDashes = false;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--")) {
                afterDashes = true;
            } else {
                (afterDashes ? rates : cpu).add(args[i]);
            }
        }
        Path dir = Files.createTempDirectory("throttle-bench");
        try {
            if (!cpu.isEmpty()) {
                cpuShares(dir, seconds, cpu);
            }
            if (!rates.isEmpty()) {
                copyRates(dir, rates);
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static OptionalLong value(String s) {
        return s.equals("unlimited") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(s));
    }

    private static void cpuShares(Path dir, int seconds, List<String> limits) throws Exception {
        CpuLimiter limiter = CpuLimiters.create(CpuLimiters.newName(), CgroupLayout.detect(), OptionalLong.empty());
        if (!limiter.supported()) {
            System.out.println("cpu: unsupported here: " + limiter.unsupportedReason().orElse(""));
            return;
        }
        List<Long> pids = List.of();
        Process p = null;
        try {
            List<String> command = new ArrayList<>(limiter.launchPrefix());
            command.add(BusyChildren.script(dir).toString());
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("out").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pids.size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(50);
                pids = CgroupCpuLimiter.processes(limiter.directory().orElseThrow());
            }
            System.out.printf("cpu (%s, two busy children, %d s each, %d CPUs):%n", limiter, seconds,
                Runtime.getRuntime().availableProcessors());
            for (String limit : limits) {
                limiter.apply(value(limit));
                Thread.sleep(300);
                double share = BusyChildren.share(pids, seconds * 1000L);
                System.out.printf("  limit %-9s -> %6.1f %% of one CPU%n", limit.equals("unlimited") ? limit : limit + "%",
                    share);
            }
        } finally {
            if (p != null) {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            BusyChildren.killAll(pids);
            limiter.close();
        }
    }

    private static void copyRates(Path dir, List<String> rates) throws Exception {
        System.out.println("copy (nbdkit pattern plugin, 100 MiB over 4 connections, to a local file):");
        try (NbdkitProcess nbdkit = NbdkitProcess.start("bench", NbdkitConfig.of("pattern", "size=100M"),
            Duration.ofSeconds(30));
             NbdClient client = NbdClient.connect(nbdkit.uri(), NbdClientOptions.DEFAULTS)) {
            for (String rate : rates) {
                OptionalLong mib = value(rate);
                TokenBucket bucket = new TokenBucket(mib.isPresent() ? mib.getAsLong() * MIB : 0);
                CopyResult r = new DiskCopier(client, CopyOptions.DEFAULTS.withBandwidth(bucket), CopyProgress.NONE)
                    .copyAll(dir.resolve("copy.img"));
                double s = r.elapsed().toNanos() / 1e9;
                System.out.printf("  limit %-9s -> %6.2f s, %7.1f MiB/s%n",
                    rate.equals("unlimited") ? rate : rate + " MiB/s", s, r.dataBytes() / (double) MIB / s);
            }
        }
    }
}
