#!/usr/bin/python3
"""The reference's pre-copy loop (twophase.md section 3), for bench/precopy-changed-areas.sh: per changed area,
extents shorter than 1 MiB taken as data without block status (all of them here), reads of at most 23 MiB with
aio_pread, up to 5 in flight, each completion pwrite()s its buffer and writes a state file (the reference writes
STATE and calls a vSphere keep-alive per chunk; no vSphere here). No fsync, as the reference.
Usage: precopy-python-loop.py URI EXTENTS_FILE DEST STATE_FILE"""
import json
import os
import sys

import nbd

MAX_PREAD_LEN = 23 << 20
MAX_IN_FLIGHT = 4

uri, extents_file, dest, state_file = sys.argv[1:5]
extents = []
with open(extents_file) as f:
    for line in f:
        if line.strip() and not line.startswith('#'):
            off, length = line.split()
            extents.append((int(off), int(length)))

h = nbd.NBD()
h.add_meta_context('base:allocation')
h.connect_uri(uri)
fd = os.open(dest, os.O_WRONLY)
state = {'copied': 0, 'to_copy': sum(n for _, n in extents)}


def write_state():
    tmp = state_file + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(state, f)
    os.rename(tmp, state_file)


def cb(buf, off, size, err):
    os.pwrite(fd, buf.to_bytearray(), off)
    state['copied'] += size
    write_state()
    return 1


for off, length in extents:
    pos = off
    end = off + length
    while pos < end:
        n = min(end - pos, MAX_PREAD_LEN)
        buf = nbd.Buffer(n)
        while h.aio_in_flight() > MAX_IN_FLIGHT:
            h.poll(1)
        h.aio_pread(buf, pos, lambda err, buf=buf, pos=pos, n=n: cb(buf, pos, n, err))
        pos += n
while h.aio_in_flight() > 0:
    h.poll(-1)
os.close(fd)
h.shutdown()
