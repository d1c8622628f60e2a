#!/usr/bin/env bash
# Benchmark of the OpenStack to OpenStack copy: a 4 GiB volume holding 1 GiB of data (1 MiB every 4 MiB),
# exported read-only by nbdkit on a Unix socket "on the source host" and read through an `ssh -N -L` tunnel
# (a private sshd on 127.0.0.1, as the wrapper's tunnel), copied by the wrapper's engine (`nbd-copy`, what the
# migration's copy step runs) and by `qemu-img convert` (what the reference runs) over the same tunnel, one run
# each. Not a test: it prints figures (docs/performance.md).
#
# Usage: bench/osp-copy.sh     (run as root: it starts sshd; needs nbdkit, qemu-img, openssh-server, java)
# Env:   OSP_BENCH_DIR  work directory (default: a new one under /var/tmp; needs ~3 GiB free)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${OSP_BENCH_DIR:-$(mktemp -d /var/tmp/osp-bench.XXXXXX)}
mkdir -p "$work"
for tool in nbdkit qemu-img java ssh ssh-keygen /usr/sbin/sshd; do
    command -v "$tool" >/dev/null || { echo "osp-copy.sh: $tool is missing" >&2; exit 1; }
done
if [ ! -d "$repo/target/lib" ]; then
    (cd "$repo" && mvn -B -q -DskipTests package)
fi

src=$work/source.img
if [ ! -f "$src" ] || [ "$(stat -c %s "$src")" != 4294967296 ]; then
    echo "creating $src (4 GiB, 1 GiB of data)" >&2
    rm -f "$src"
    truncate -s 4G "$src"
    head -c 1M /dev/urandom > "$work/chunk"
    for ((i = 0; i < 1024; i++)); do
        dd if="$work/chunk" of="$src" bs=1M count=1 seek=$((i * 4)) conv=notrunc status=none
    done
    rm -f "$work/chunk"
fi
cat "$src" > /dev/null

# The "source conversion host": sshd on a free loopback port, its own host and client keys.
rm -f "$work"/host_key* "$work"/client_key* "$work"/*.sock "$work"/*.pid
ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p /run/sshd
cat > "$work/sshd_config" <<CONF
ListenAddress 127.0.0.1:$port
HostKey $work/host_key
PidFile $work/sshd.pid
AuthorizedKeysFile $work/client_key.pub
StrictModes no
UsePAM no
PasswordAuthentication no
PermitRootLogin prohibit-password
AllowStreamLocalForwarding yes
CONF
/usr/sbin/sshd -D -f "$work/sshd_config" -E "$work/sshd.log" &
sshd_pid=$!
nbdkit --exit-with-parent --readonly --foreground -U "$work/remote.sock" -P "$work/nbdkit.pid" file "$src" &
nbdkit_pid=$!
sleep 1
ssh_opts=(-i "$work/client_key" -p "$port" -o BatchMode=yes -o StrictHostKeyChecking=no
          -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
ssh "${ssh_opts[@]}" -N -L "$work/local.sock:$work/remote.sock" root@127.0.0.1 &
tunnel_pid=$!
trap 'kill $tunnel_pid $nbdkit_pid $sshd_pid 2>/dev/null; rm -f "$work"/dest-*.img "$work"/*.sock' EXIT
for ((i = 0; i < 100; i++)); do [ -S "$work/local.sock" ] && break; sleep 0.1; done
uri="nbd+unix:///?socket=$work/local.sock"

run() { # name command...
    local name=$1; shift
    local dest=$work/dest-$name.img
    rm -f "$dest"; truncate -s 4G "$dest"; sync
    local start end
    start=$(date +%s.%N)
    "$@" "$dest"
    end=$(date +%s.%N)
    cmp "$src" "$dest" || { echo "osp-copy.sh: $name made a wrong copy" >&2; exit 1; }
    awk -v n="$name" -v s="$start" -v e="$end" 'BEGIN {printf "%-28s %7.2f s  %6.0f MiB/s of data\n", n, e - s, 1024 / (e - s)}'
}
ours()  { "$repo/scripts/v2v-wrapper" nbd-copy --no-progress --flush "$uri" "$1"; }
qemu()  { qemu-img convert -n -f raw -O raw "$uri" "$1"; }
echo "4 GiB volume, 1 GiB of data, through an ssh -L tunnel (Unix sockets), one run each:"
run "v2v-wrapper nbd-copy" ours
run "qemu-img convert" qemu
