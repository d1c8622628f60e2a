#!/usr/bin/env python3
"""Benchmark of the live monitor: peak RSS of the wrapper and freshness of the state file.

Runs scripts/v2v-wrapper against the fake virt-v2v (src/test/resources/fake-virt-v2v/virt-v2v) replaying a
conversion of DURATION seconds whose copy phase prints an nbdcopy progress frame every FRAME_MS. Meanwhile it
reads the state file every millisecond and, for every progress frame the fake printed (the fake logs each
frame's wall time), measures how long it took until the state file showed that progress. It samples the
wrapper's VmHWM (peak resident set) from /proc at the end of the run.

Usage: bench/monitor.py [DURATION_S=60] [FRAME_MS=250]
Build first: mvn -B -DskipTests package
"""
import json, os, subprocess, sys, tempfile, time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
duration = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
frame_ms = float(sys.argv[2]) if len(sys.argv) > 2 else 250.0

tmp = tempfile.mkdtemp(prefix="v2v-bench-")
frames = int(duration * 1000 / frame_ms)
with open(os.path.join(tmp, "scenario.txt"), "w") as f:
    f.write("out [   0.0] Setting up the source\nout [   1.0] Copying disk 1/1\n")
    for i in range(frames + 1):
        pct = i * 100 // frames
        stars = pct * 40 // 100
        f.write("errcr \u2588 %3d%% [%s%s]\nsleep %.3f\n" % (pct, "*" * stars, "-" * (40 - stars), frame_ms / 1000))
    f.write("out [  99.0] Finishing off\nexit 0\n")
env = dict(os.environ, FAKE_V2V_SCENARIO=os.path.join(tmp, "scenario.txt"),
           FAKE_V2V_TRACE=os.path.join(tmp, "trace.txt"))
request = json.dumps({"vm_name": "bench", "transport_method": "vddk", "vmware_uri": "esx://root@esxi?no_verify=1",
                      "vmware_password": "x", "source_disks": ["[ds] bench/bench.vmdk"],
                      "vmware_fingerprint": ":".join(["AA"] * 20), "local_output_dir": os.path.join(tmp, "out")})
state_file = os.path.join(tmp, "run", "state.json")
p = subprocess.Popen([os.path.join(root, "scripts/v2v-wrapper"),
                      "--virt-v2v=" + os.path.join(root, "src/test/resources/fake-virt-v2v/virt-v2v"),
                      "--run-dir=" + os.path.join(tmp, "run"), "--log-dir=" + os.path.join(tmp, "log")],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
p.stdin.write(request.encode()); p.stdin.close()

first_seen = {}   # progress value -> wall time first seen in the state file
peak_kb = 0
last_text = None
while p.poll() is None:
    try:
        with open(state_file) as f:
            text = f.read()
    except FileNotFoundError:
        text = None
    if text and text != last_text:
        last_text = text
        now = time.time()
        disks = json.loads(text).get("disks") or []
        if disks:
            first_seen.setdefault(disks[0]["progress"], now)
    try:
        with open("/proc/%d/status" % p.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    peak_kb = max(peak_kb, int(line.split()[1]))
    except FileNotFoundError:
        pass
    time.sleep(0.001)

lags = []
with open(os.path.join(tmp, "trace.txt"), "rb") as f:
    for line in f:
        t, frame = line.split(b" ", 1)
        pct = float(frame.decode("utf-8").split("%")[0].split()[-1])
        # the first state showing this frame's progress (or a later one)
        seen = [ts for v, ts in first_seen.items() if v >= pct]
        if seen:
            lags.append(min(seen) - float(t))
lags.sort()
print("exit code %d; %d frames over %.0f s" % (p.returncode, len(lags), duration))
print("peak RSS (VmHWM) of the wrapper: %.1f MB" % (peak_kb / 1024))
if lags:
    print("progress frame -> state file: median %.0f ms, p95 %.0f ms, max %.0f ms"
          % (lags[len(lags) // 2] * 1000, lags[int(len(lags) * 0.95)] * 1000, lags[-1] * 1000))
