#!/usr/bin/env python3
"""Overhead of v2v-wrapper over running virt-v2v directly, on the real test guest.

Alternates RUNS conversions of windows.img to a local directory (scripts/build-test-guest) through
scripts/v2v-wrapper and RUNS with the very same virt-v2v command run directly (wrapper first, then direct, …).
The direct command is the one the wrapper builds, with the same environment:

  LANG=C LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg \\
    virt-v2v -v -x --root first --machine-readable=file:LOGDIR/virt-v2v-mr.log \\
      -i disk GUEST/windows.img -on bench -o local -os OUTDIR -of raw  >LOGDIR/virt-v2v.log 2>&1

For each run: wall time (start to the reaped exit), and CPU from wait4()'s rusage, which holds the process and
every descendant it waited for. For the wrapper, its JVM's own CPU is that total minus the children's
(cutime+cstime in /proc/<java pid>/stat, read every 20 ms; the last sample is taken after virt-v2v was reaped,
which is checked); utime+stime of the JVM's last sample are shown as a cross-check (a lower bound).

Usage: bench/overhead.py [RUNS=3]       (build first: mvn -B -DskipTests package)
Prints one line per run and a summary; JSON of every run goes to bench/overhead-last.json.
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
tick = os.sysconf("SC_CLK_TCK")
virt_v2v = "/usr/bin/virt-v2v"

guest = subprocess.run([os.path.join(root, "scripts/build-test-guest")], check=True, stdout=subprocess.PIPE,
                       text=True).stdout.strip().splitlines()[-1]
image = os.path.join(guest, "windows.img")
env = dict(os.environ, LANG="C", LIBGUESTFS_BACKEND="direct")
env.setdefault("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg")
work = tempfile.mkdtemp(prefix="v2v-overhead-", dir="/var/tmp")


def stat_fields(pid):
    """utime, stime, cutime, cstime (clock ticks) of pid, or None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            rest = f.read().rsplit(")", 1)[1].split()
        # rest[0] is field 3 (state): utime is field 14 -> rest[11]
        return tuple(int(x) for x in rest[11:15])
    except (OSError, IndexError):
        return None


def run(kind, i):
    d = os.path.join(work, "%s-%d" % (kind, i))
    run_dir, log_dir, out = (os.path.join(d, x) for x in ("run", "log", "out"))
    for x in (run_dir, log_dir, out):
        os.makedirs(x)
    if kind == "wrapper":
        req = os.path.join(d, "request.json")
        with open(req, "w") as f:
            json.dump({"vm_name": "bench", "transport_method": "disk", "source_disks": [image],
                       "local_output_dir": out, "output_format": "raw"}, f)
        argv = [os.path.join(root, "scripts/v2v-wrapper"), "--run-dir=" + run_dir, "--log-dir=" + log_dir]
        stdin, stdout, stderr = open(req), subprocess.DEVNULL, subprocess.DEVNULL
    else:
        argv = [virt_v2v, "-v", "-x", "--root", "first",
                "--machine-readable=file:" + os.path.join(log_dir, "virt-v2v-mr.log"),
                "-i", "disk", image, "-on", "bench", "-o", "local", "-os", out, "-of", "raw"]
        log = open(os.path.join(log_dir, "virt-v2v.log"), "ab")
        stdin, stdout, stderr = subprocess.DEVNULL, log, log
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=stderr, env=env)
    last = None
    while True:
        s = stat_fields(p.pid)
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if s is not None:
            last = s
        time.sleep(0.02)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    total = ru.ru_utime + ru.ru_stime
    r = {"kind": kind, "run": i, "rc": p.returncode, "wall_s": round(wall, 3), "cpu_s": round(total, 3)}
    if kind == "wrapper":
        own_sample = (last[0] + last[1]) / tick
        children = (last[2] + last[3]) / tick
        r.update(children_cpu_s=round(children, 3), wrapper_cpu_s=round(total - children, 3),
                 wrapper_cpu_last_sample_s=round(own_sample, 3),
                 children_reaped_at_last_sample=children > 0.5 * total)
        with open(os.path.join(log_dir, "virt-v2v-wrapper.log")) as f:
            for line in f:
                if "virt-v2v command:" in line:
                    r["command"] = line.split("virt-v2v command: ", 1)[1].strip()
    else:
        r["command"] = " ".join(argv)
    shutil.rmtree(out)
    return r


results = []
print("guest %s, %d+%d runs alternating, LIBGUESTFS_BACKEND_SETTINGS=%s, nproc %d, loadavg at start %s"
      % (image, runs, runs, env["LIBGUESTFS_BACKEND_SETTINGS"], os.cpu_count(), open("/proc/loadavg").read().split()[:3]))
for i in range(runs):
    for kind in ("wrapper", "direct"):
        r = run(kind, i)
        r["loadavg1"] = float(open("/proc/loadavg").read().split()[0])
        results.append(r)
        extra = ""
        if kind == "wrapper":
            extra = "  wrapper JVM cpu %.2f s (last sample %.2f s)" % (r["wrapper_cpu_s"], r["wrapper_cpu_last_sample_s"])
        print("%-7s #%d rc %d  wall %7.2f s  cpu %7.2f s%s  load %.1f"
              % (kind, i, r["rc"], r["wall_s"], r["cpu_s"], extra, r["loadavg1"]), flush=True)

w = [r for r in results if r["kind"] == "wrapper"]
d = [r for r in results if r["kind"] == "direct"]
mw, md = statistics.mean(r["wall_s"] for r in w), statistics.mean(r["wall_s"] for r in d)
medw, medd = statistics.median(r["wall_s"] for r in w), statistics.median(r["wall_s"] for r in d)
jvm = statistics.mean(r["wrapper_cpu_s"] for r in w)
v2v = statistics.mean(r["children_cpu_s"] for r in w)
summary = {
    "wall_mean_wrapper_s": round(mw, 2), "wall_mean_direct_s": round(md, 2), "wall_ratio_mean": round(mw / md, 4),
    "wall_median_wrapper_s": round(medw, 2), "wall_median_direct_s": round(medd, 2),
    "wall_ratio_median": round(medw / medd, 4),
    "cpu_mean_direct_s": round(statistics.mean(r["cpu_s"] for r in d), 2),
    "cpu_mean_virt_v2v_under_wrapper_s": round(v2v, 2),
    "wrapper_jvm_cpu_mean_s": round(jvm, 3), "wrapper_jvm_cpu_share_of_virt_v2v": round(jvm / v2v, 4),
    "all_rc_zero": all(r["rc"] == 0 for r in results),
    "children_reaped_at_last_sample": all(r["children_reaped_at_last_sample"] for r in w),
}
print(json.dumps(summary, indent=1))
with open(os.path.join(root, "bench/overhead-last.json"), "w") as f:
    json.dump({"runs": results, "summary": summary}, f, indent=1)
shutil.rmtree(work)
