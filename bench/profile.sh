#!/usr/bin/env bash
# What a 997 Hz profile costs the CPU it samples, safetap side by side with bpftrace in one run: a fixed CPU burner
# (bench/c/burn) pinned to the last CPU runs untraced, then while each tracer profiles every CPU with
# `profile:hz:997 { @[kstack, ustack] = count(); }`, its tracer pinned to CPU 0. The added wall time of the burner
# divided by the samples taken on its CPU (997 per second) is the cost of one sample there: the kernel's interrupt,
# the call-chain walk and the write into the ring (the tracers' own work runs on CPU 0). Medians of 3 runs each.
# Run as root from anywhere: bench/profile.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-30000}
last=$(( $(nproc) - 1 ))
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
gcc -O2 -o "$tmp/burn" bench/c/burn.c
./safetap -e 'BEGIN { exit(); }' >/dev/null 2>&1 || true   # builds the jar outside the measurement

median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
# SCHED_FIFO, so that other tasks of the machine do not take the burner's CPU (the kernel still keeps 5% for them)
burn() { taskset -c "$last" chrt -f 50 "$tmp/burn" "$rounds"; }

# traced LABEL READY CMD...: starts CMD on CPU 0, waits for a line starting with READY, burns 3 times, stops it.
traced() {
    local label=$1 ready=$2; shift 2
    taskset -c 0 "$@" >"$tmp/$label.out" 2>&1 &
    local pid=$!
    for _ in $(seq 600); do grep -q "^$ready" "$tmp/$label.out" 2>/dev/null && break; sleep 0.05; done
    local runs=()
    for _ in 1 2 3; do runs+=("$(burn)"); done
    kill -INT "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    median "${runs[@]}"
}

echo "untraced burner, 3 runs..." >&2
base=$(median "$(burn)" "$(burn)" "$(burn)")
echo "bpftrace profile..." >&2
(ulimit -l unlimited 2>/dev/null || true)
b=$(traced bpftrace Attaching bash -c 'ulimit -l unlimited; exec bpftrace -e "profile:hz:997 { @[kstack, ustack] = count(); }"')
echo "safetap profile..." >&2
s=$(traced safetap Attaching ./safetap -e 'profile:hz:997 { @[kstack, ustack] = count(); }')

per_sample() { # added wall ns / samples on the burner's CPU
    awk -v t="$1" -v base="$base" 'BEGIN { d = t - base; n = 997 * t / 1e9; printf "%.0f", (d > 0 ? d : 0) / n }'
}
bs=$(per_sample "$b")
ss=$(per_sample "$s")
printf '%-44s %12s %12s %7s\n' "" "safetap" "bpftrace" "ratio"
printf '%-44s %12s %12s %7s\n' "burner wall ms (untraced $((base / 1000000)))" "$((s / 1000000))" "$((b / 1000000))" \
    "$(awk -v a="$s" -v b="$b" 'BEGIN { printf "%.2f", a / b }')"
printf '%-44s %12s %12s %7s\n' "added ns per profile sample on its CPU" "$ss" "$bs" \
    "$(awk -v a="$ss" -v b="$bs" 'BEGIN { printf (b > 0 ? "%.2f" : "-"), (b > 0 ? a / b : 0) }')"
echo "ratio: safetap / bpftrace (lower is better). The machine is shared: read the numbers of one run side by side."
