"""Shared by the fake two-phase tools: recording what they were given, and the disks of a libvirt XML."""
import json, os, re, sys
import xml.etree.ElementTree as ET


def record(tool, argv):
    """Appends {"tool", "argv", "pid", "env", "xml"} as one JSON line to $FAKE_TWO_PHASE_RECORD."""
    out = os.environ.get("FAKE_TWO_PHASE_RECORD")
    if not out:
        return
    xml = None
    if "libvirtxml" in argv:
        i = argv.index("libvirtxml")
        if i + 1 < len(argv):
            st = os.stat(argv[i + 1])
            xml = {"path": argv[i + 1], "mode": oct(st.st_mode & 0o777), "text": open(argv[i + 1]).read()}
    env = {k: v for k, v in os.environ.items() if k in ("LANG", "LIBGUESTFS_BACKEND", "LIBGUESTFS_CACHEDIR")}
    with open(out, "a") as f:
        f.write(json.dumps({"tool": tool, "argv": argv, "pid": os.getpid(), "env": env, "xml": xml}) + "\n")


def domain(argv):
    """(name, [disk source paths]) of the -i libvirtxml XML."""
    root = ET.parse(argv[argv.index("libvirtxml") + 1]).getroot()
    disks = []
    for d in root.findall("./devices/disk"):
        src = d.find("source")
        disks.append(src.get("file") or src.get("dev"))
    return root.findtext("name"), disks


def machine_readable(argv):
    for a in argv:
        if a.startswith("--machine-readable=file:"):
            return a[len("--machine-readable=file:"):]
    return None


def mr(path, kind, message):
    if path:
        with open(path, "a") as f:
            f.write(json.dumps({"message": message, "timestamp": "2026-12-01T11:00:00.000000000+00:00",
                                "type": kind}) + "\n")


def phase(t, text):
    print("[%6.1f] %s" % (t, text), flush=True)
