#!/usr/bin/env python3
"""Resident memory of a process by mapping, from a copy of /proc/PID/smaps: where the RSS of the wrapper goes.

Usage: bench/smaps-summary.py SMAPS_FILE [TOP=15]   (bench/monitor.py --jcmd-at N --jcmd-dir DIR saves one per run)
Anonymous mappings are grouped as [anon]; file mappings by file name. Prints Rss, and of it Private_Dirty.
"""
import collections, os, sys

rss, dirty = collections.Counter(), collections.Counter()
name = None
for line in open(sys.argv[1]):
    parts = line.split()
    if "-" in parts[0] and len(parts[0]) > 8 and ":" not in parts[0]:
        name = os.path.basename(parts[5]) if len(parts) > 5 else "[anon]"
    elif parts[0] == "Rss:":
        rss[name] += int(parts[1])
    elif parts[0] == "Private_Dirty:":
        dirty[name] += int(parts[1])
top = int(sys.argv[2]) if len(sys.argv) > 2 else 15
print("%8s %8s  mapping" % ("Rss KB", "dirty KB"))
for n, kb in rss.most_common(top):
    print("%8d %8d  %s" % (kb, dirty[n], n))
print("%8d %8d  total" % (sum(rss.values()), sum(dirty.values())))
