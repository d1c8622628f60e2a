#!/usr/bin/env python3
"""Benchmark of the live monitor: peak RSS of the wrapper and freshness of the state file, per destination.

Runs scripts/v2v-wrapper against the fake virt-v2v (src/test/resources/fake-virt-v2v/virt-v2v) replaying a
conversion of DURATION seconds (split over the disks) whose copy prints an nbdcopy progress frame every FRAME_MS.
Destinations: `local` (-o local), `rhv` (the test tree's fake oVirt engine over TLS: the oVirt SDK checks before
virt-v2v and looks the new VM up after it), `osp` (the fake OpenStack cloud: openstack4j validates before, moves
the volumes and creates ports and the instance after). The fakes run standalone in their own JVM
(org.v2vwrapper.bench.BenchFakes, test scope, 127.0.0.1 only).

Meanwhile it reads the state file every millisecond and, for every progress frame the fake printed (the fake logs
each frame's wall time), measures how long it took until the state file showed that progress. It samples the
wrapper's VmHWM (peak resident set) from /proc until the wrapper exits, and reports beside it the VmHWM when the
(fake) virt-v2v started (start-up and the destination's checks) and the highest VmRSS sampled after that (the
monitoring phase, with the destination's calls after virt-v2v); VmHWM is never reset.

Usage: bench/monitor.py [DURATION_S=60] [FRAME_MS=250] [--dest local,rhv,osp] [--disks 2] [--rounds 1]
                        [--variant 'NAME|LAUNCHER|JAVA_OPTS' ...] [--jcmd-at SECONDS --jcmd-dir DIR] [--threads]
Variants (default: one, the checkout's launcher) run interleaved: round 1 of every (destination, variant), then
round 2, ... so the machine's load hits them alike. --jcmd-at runs `jcmd VM.native_memory summary`,
`GC.class_histogram` and `VM.classloader_stats` on the wrapper that many seconds into each run (add
-XX:NativeMemoryTracking=summary to the variant's JAVA_OPTS for the first).
Build first: mvn -B -DskipTests package
"""
import argparse, glob, json, os, shutil, subprocess, sys, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser()
ap.add_argument("duration", nargs="?", type=float, default=60.0)
ap.add_argument("frame_ms", nargs="?", type=float, default=250.0)
ap.add_argument("--dest", default="local,rhv,osp")
ap.add_argument("--disks", type=int, default=2)
ap.add_argument("--rounds", type=int, default=1)
ap.add_argument("--variant", action="append", default=[])
ap.add_argument("--jcmd-at", type=float, default=None)
ap.add_argument("--jcmd-dir", default=None)
ap.add_argument("--rss-trace", action="store_true", help="print VmRSS whenever it grew by 512 KB")
ap.add_argument("--threads", action="store_true",
                help="print the JVM's CPU per thread (utime+stime from /proc/PID/task, sampled every 100 ms)")
ap.add_argument("--keep", action="store_true", help="keep the temporary directories")
opts = ap.parse_args()
variants = []
for v in opts.variant or ["default|%s|" % os.path.join(root, "scripts/v2v-wrapper")]:
    name, launcher, java_opts = (v.split("|", 2) + ["", ""])[:3]
    variants.append((name, launcher or os.path.join(root, "scripts/v2v-wrapper"), java_opts))
dests = opts.dest.split(",")
fake_cp = ":".join([os.path.join(root, "target/test-classes"), os.path.join(root, "target/classes")]
                   + sorted(glob.glob(os.path.join(root, "target/lib/*.jar"))))


def scenario(path, fake):
    """The fake virt-v2v's script: per disk a 'Copying disk' phase and its share of the progress frames."""
    disks = opts.disks
    per_disk = int(opts.duration * 1000 / frame_ms_total() / disks)
    with open(path, "w") as f:
        f.write("out [   0.0] Setting up the source: -i libvirt -ic esx://root@esxi.example.com bench\n")
        for d in range(disks):
            f.write("out [  10.%d] Copying disk %d/%d\n" % (d, d + 1, disks))
            for line in (fake["before_copy"][d] if fake else []):
                f.write(line + "\n")
            for i in range(per_disk + 1):
                pct = i * 100 // per_disk
                stars = pct * 40 // 100
                f.write("errcr \u2588 %3d%% [%s%s]\nsleep %.3f\n"
                        % (pct, "*" * stars, "-" * (40 - stars), opts.frame_ms / 1000))
            f.write("err \n")
            for line in (fake["after_copy"][d] if fake else []):
                f.write(line + "\n")
        for line in (fake["finish"] if fake else []):
            f.write(line + "\n")
        f.write("out [  99.0] Finishing off\nexit 0\n")


def frame_ms_total():
    return opts.frame_ms


def start_fake(kind, tmp):
    p = subprocess.Popen(["java", "-XX:+UseSerialGC", "-cp", fake_cp, "org.v2vwrapper.bench.BenchFakes", kind,
                          os.path.join(tmp, "fake"), str(opts.disks)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    line = p.stdout.readline()
    if not line:
        sys.exit("monitor.py: the fake %s did not start (build with mvn -B -DskipTests package)" % kind)
    return p, json.loads(line)


def jcmd(pid, tag):
    os.makedirs(opts.jcmd_dir, exist_ok=True)
    for cmd in ("VM.native_memory summary", "GC.class_histogram", "VM.classloader_stats"):
        out = subprocess.run(["jcmd", str(pid)] + cmd.split(), capture_output=True, text=True, timeout=60).stdout
        with open(os.path.join(opts.jcmd_dir, "%s.%s.txt" % (tag, cmd.split()[0])), "w") as f:
            f.write(out)
    shutil.copy("/proc/%d/smaps" % pid, os.path.join(opts.jcmd_dir, "%s.smaps.txt" % tag))


def run_one(dest, variant, round_no):
    name, launcher, java_opts = variant
    tmp = tempfile.mkdtemp(prefix="v2v-bench-")
    fake_proc, fake = (None, None) if dest == "local" else start_fake(dest, tmp)
    try:
        scenario(os.path.join(tmp, "scenario.txt"), fake)
        if fake:
            request, args = fake["request"], fake["args"]
        else:
            request = json.dumps({"vm_name": "bench", "transport_method": "vddk",
                                  "vmware_uri": "esx://root@esxi?no_verify=1", "vmware_password": "x",
                                  "source_disks": ["[ds] bench/bench_%d.vmdk" % (d + 1) for d in range(opts.disks)],
                                  "vmware_fingerprint": ":".join(["AA"] * 20),
                                  "local_output_dir": os.path.join(tmp, "out")})
            args = []
        env = dict(os.environ, FAKE_V2V_SCENARIO=os.path.join(tmp, "scenario.txt"),
                   FAKE_V2V_TRACE=os.path.join(tmp, "trace.txt"), FAKE_V2V_RECORD=os.path.join(tmp, "record.json"),
                   JAVA_OPTS=java_opts)
        state_file = os.path.join(tmp, "run", "state.json")
        start = time.time()
        p = subprocess.Popen([launcher, "--virt-v2v=" + os.path.join(root, "src/test/resources/fake-virt-v2v/virt-v2v"),
                              "--run-dir=" + os.path.join(tmp, "run"), "--log-dir=" + os.path.join(tmp, "log")] + args,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        p.stdin.write(request.encode()); p.stdin.close()
        first_seen = {}   # (disk index, progress) -> wall time first seen in the state file
        peak_kb, last_text, dumped, last_rss, cpu_ticks = 0, None, False, 0, 0
        # The fake virt-v2v writes its record file as it starts: VmHWM then is the peak of start-up and the
        # checks before virt-v2v; the highest VmRSS sampled after it is the monitoring phase's own peak (it
        # includes the destination's calls after virt-v2v, which run before the wrapper exits).
        record = os.path.join(tmp, "record.json")
        hwm_at_v2v, rss_after_v2v = None, 0
        thread_ticks, last_threads = {}, 0.0   # tid -> (name, utime+stime)
        while p.poll() is None:
            try:
                with open(state_file) as f:
                    text = f.read()
            except FileNotFoundError:
                text = None
            if text and text != last_text:
                last_text = text
                now = time.time()
                try:
                    for i, d in enumerate(json.loads(text).get("disks") or []):
                        first_seen.setdefault((i, d["progress"]), now)
                except ValueError:
                    pass
            try:
                with open("/proc/%d/status" % p.pid) as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            peak_kb = max(peak_kb, int(line.split()[1]))
                            if hwm_at_v2v is None and os.path.exists(record):
                                hwm_at_v2v = peak_kb
                        elif line.startswith("VmRSS:"):
                            kb = int(line.split()[1])
                            if hwm_at_v2v is not None:
                                rss_after_v2v = max(rss_after_v2v, kb)
                            if opts.rss_trace and kb > last_rss + 512:
                                last_rss = kb
                                print("  %6.2f s  VmRSS %.1f MB" % (time.time() - start, kb / 1024), flush=True)
            except FileNotFoundError:
                pass
            try:
                with open("/proc/%d/stat" % p.pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                cpu_ticks = int(fields[11]) + int(fields[12])   # utime + stime of the JVM itself
            except (FileNotFoundError, IndexError):
                pass
            if opts.threads and time.time() - last_threads >= 0.1:
                last_threads = time.time()
                for tid in os.listdir("/proc/%d/task" % p.pid) if os.path.isdir("/proc/%d/task" % p.pid) else []:
                    try:
                        with open("/proc/%d/task/%s/stat" % (p.pid, tid)) as f:
                            st = f.read()
                        rest = st.rsplit(")", 1)[1].split()
                        thread_ticks[tid] = (st[st.index("(") + 1:st.rindex(")")], int(rest[11]) + int(rest[12]))
                    except (OSError, IndexError, ValueError):
                        pass
            if opts.jcmd_at is not None and not dumped and time.time() - start >= opts.jcmd_at:
                dumped = True
                jcmd(p.pid, "%s-%s-%d" % (dest, name, round_no))
            time.sleep(0.001)
        err = p.stderr.read().decode(errors="replace")
        lags, disk, prev = [], 0, -1.0
        try:
            with open(os.path.join(tmp, "trace.txt"), "rb") as f:
                for line in f:
                    t, frame = line.split(b" ", 1)
                    pct = float(frame.decode("utf-8").split("%")[0].split()[-1])
                    if pct < prev:
                        disk += 1
                    prev = pct
                    seen = [ts for (i, v), ts in first_seen.items() if i == disk and v >= pct]
                    if seen:
                        lags.append(min(seen) - float(t))
        except FileNotFoundError:
            pass
        lags.sort()
        if opts.threads:
            by_name = {}
            for name, ticks in thread_ticks.values():
                by_name[name] = by_name.get(name, 0) + ticks
            print("  JVM CPU by thread (s, sampled): " + ", ".join(
                "%s %.2f" % (n, t / os.sysconf("SC_CLK_TCK"))
                for n, t in sorted(by_name.items(), key=lambda kv: -kv[1]) if t > 0), flush=True)
        return (p.returncode, peak_kb, lags, time.time() - start, err, cpu_ticks / os.sysconf('SC_CLK_TCK'),
                hwm_at_v2v or 0, rss_after_v2v)
    finally:
        if fake_proc:
            fake_proc.stdin.close()
            fake_proc.wait(timeout=30)
        if not opts.keep:
            shutil.rmtree(tmp, ignore_errors=True)


results, phases = {}, {}
for r in range(1, opts.rounds + 1):
    for dest in dests:
        for v in variants:
            rc, peak, lags, wall, err, cpu, hwm_v2v, rss_mon = run_one(dest, v, r)
            results.setdefault((dest, v[0]), []).append(peak)
            phases.setdefault((dest, v[0]), []).append((hwm_v2v, rss_mon))
            lag = ("median %.0f ms, p95 %.0f ms, max %.0f ms (%d frames)"
                   % (lags[len(lags) // 2] * 1000, lags[int(len(lags) * 0.95)] * 1000, lags[-1] * 1000, len(lags))
                   if lags else "no frames")
            print("round %d  %-5s %-12s exit %d  %5.1f s  VmHWM %.1f MB (at virt-v2v start %.1f, VmRSS after %.1f)"
                  "  JVM CPU %.2f s  frame->state %s"
                  % (r, dest, v[0], rc, wall, peak / 1024, hwm_v2v / 1024, rss_mon / 1024, cpu, lag), flush=True)
            if rc != 0:
                print(err[-2000:], file=sys.stderr)
print("median peak RSS (VmHWM, whole run) | VmHWM when virt-v2v started (start-up + checks) | highest VmRSS "
      "sampled after virt-v2v started (monitoring + the calls after it):")
for (dest, name), peaks in results.items():
    peaks.sort()
    at_v2v = sorted(a for a, _ in phases[(dest, name)])
    after = sorted(b for _, b in phases[(dest, name)])
    print("  %-5s %-12s %.1f MB  (runs: %s) | %.1f MB | %.1f MB"
          % (dest, name, peaks[len(peaks) // 2] / 1024, ", ".join("%.1f" % (k / 1024) for k in peaks),
             at_v2v[len(at_v2v) // 2] / 1024, after[len(after) // 2] / 1024))
