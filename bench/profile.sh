#!/usr/bin/env bash
# What a 997 Hz profile costs the CPU it samples, safetap side by side with bpftrace in one run: a fixed CPU burner
# (bench/c/burn) pinned to the last CPU runs untraced, then while each tracer profiles every CPU with
# `profile:hz:997 { @[kstack, ustack] = count(); }`, its tracer pinned to CPU 0. The added wall time of the burner
# divided by the samples taken on its CPU (997 per second) is the cost of one sample there: the kernel's interrupt,
# the call-chain walk and the write into the ring (the tracers' own work runs on CPU 0). Medians of 3 runs each.
# safetap runs twice: with its default for profile probes (user stacks walked with call frame information, 8 KiB of
# stack copied per sample) and with --call-graph fp (the kernel's frame-pointer walk, as bpftrace). The last row is
# each tracer's own CPU time per sample taken, where safetap's walks and aggregation run, once warmed up.
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

# CPU ticks (user + system) process PID has used so far
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# traced LABEL READY CMD...: starts CMD on CPU 0, waits for a line starting with READY, burns 3 times, stops it.
# Prints the median burner time, then the tracer's own CPU ticks and the wall nanoseconds over the last 2 burns.
traced() {
    local label=$1 ready=$2; shift 2
    taskset -c 0 "$@" >"$tmp/$label.out" 2>&1 &
    local pid=$!
    for _ in $(seq 600); do grep -q "^$ready" "$tmp/$label.out" 2>/dev/null && break; sleep 0.05; done
    local tracer
    tracer=$(pgrep -P "$pid" -n 2>/dev/null || echo "$pid")   # the JVM or bpftrace under a launcher shell
    [ "$(ps -o comm= -p "$tracer" 2>/dev/null)" = sleep ] && tracer=$pid
    local t0 w0 runs=()
    runs+=("$(burn)")   # the first burn also warms the tracer up (the JVM compiles its paths): its CPU is not counted
    t0=$(ticks "$tracer"); w0=$(date +%s%N)
    for _ in 2 3; do runs+=("$(burn)"); done
    echo "$(median "${runs[@]}") $(( $(ticks "$tracer") - t0 )) $(( $(date +%s%N) - w0 ))"
    kill -INT "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

echo "untraced burner, 3 runs..." >&2
base=$(median "$(burn)" "$(burn)" "$(burn)")
script='profile:hz:997 { @[kstack, ustack] = count(); }'
echo "bpftrace profile..." >&2
read -r b bt bw <<<"$(traced bpftrace Attaching bash -c "ulimit -l unlimited; exec bpftrace -e '$script'")"
echo "safetap profile (user stacks walked with dwarf, the default)..." >&2
read -r s st sw <<<"$(traced safetap Attaching ./safetap -e "$script")"
echo "safetap profile --call-graph fp..." >&2
read -r f ft fw <<<"$(traced safetap-fp Attaching ./safetap --call-graph fp -e "$script")"

per_sample() { # added wall ns / samples on the burner's CPU
    awk -v t="$1" -v base="$base" 'BEGIN { d = t - base; n = 997 * t / 1e9; printf "%.0f", (d > 0 ? d : 0) / n }'
}
# tracer CPU per sample: its ticks (1/CLK_TCK s) over the samples of every CPU in that wall time, in microseconds
tracer_us() {
    awk -v t="$1" -v w="$2" -v hz="$(getconf CLK_TCK)" -v cpus="$(nproc)" \
        'BEGIN { n = 997 * cpus * w / 1e9; printf "%.1f", (n > 0 ? t / hz * 1e6 / n : 0) }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.2f" : "-"), (b > 0 ? a / b : 0) }'; }
bs=$(per_sample "$b"); ss=$(per_sample "$s"); fs=$(per_sample "$f")
bu=$(tracer_us "$bt" "$bw"); su=$(tracer_us "$st" "$sw"); fu=$(tracer_us "$ft" "$fw")
printf '%-44s %12s %12s %12s %7s\n' "" "safetap" "safetap fp" "bpftrace" "ratio"
printf '%-44s %12s %12s %12s %7s\n' "burner wall ms (untraced $((base / 1000000)))" "$((s / 1000000))" "$((f / 1000000))" \
    "$((b / 1000000))" "$(ratio "$s" "$b")"
printf '%-44s %12s %12s %12s %7s\n' "added ns per profile sample on its CPU" "$ss" "$fs" "$bs" "$(ratio "$ss" "$bs")"
printf '%-44s %12s %12s %12s %7s\n' "tracer CPU us per sample (all CPUs' samples)" "$su" "$fu" "$bu" "$(ratio "$su" "$bu")"
echo "ratio: safetap (dwarf) / bpftrace (lower is better); bpftrace walks frame pointers only, in the kernel."
echo "The machine is shared: read the numbers of one run side by side."
