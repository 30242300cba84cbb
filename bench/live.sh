#!/usr/bin/env bash
# Live benchmark: safetap side by side with bpftrace and perf (and a minimal C consumer) in one run.
#   1. wall time from invocation to "Attaching" and to exit, one tracepoint
#   2. the same for all 361 syscalls:sys_enter_* tracepoints
#   3. ns per read(2) in a tight loop (bench/c/readloop): untraced, counted by bpftrace, by safetap, by a
#      minimal C consumer of the same raw samples (bench/c/rawconsumer), with a predicate the kernel filter
#      rejects (safetap and bpftrace), and count-only (safetap serves it from counting events)
#   4. events per CPU-second safetap processes with 0, 1 and 2 workers, and whether it lost any
# Prints one table with the ratio against each goal. Run as root from anywhere: bench/live.sh [READS]
# The traced cost per read is taken from the reading thread's CPU time (user + kernel, where tracepoint
# work runs), which other load on the machine does not inflate; the wall time per read is printed too.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
reads="${1:-500000}"
burst=2000000

fail() { echo "bench/live.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "run as root (perf_event_open on tracepoints, bpftrace)"
missing=()
for tool in java mvn gcc bpftrace perf; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
[ ${#missing[@]} = 0 ] || fail "missing: ${missing[*]} (install them; this script installs nothing)"
[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing \
  || fail "tracefs is not mounted at /sys/kernel/tracing and mounting it failed"

work="$(mktemp -d /tmp/safetap-bench.XXXXXX)"
background=""
cleanup() {
  if [ -n "$background" ] && kill -0 "$background" 2>/dev/null; then kill -TERM "$background"; wait "$background" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "building: C helpers and safetap..." >&2
gcc -O2 -Wall -o "$work/readloop" "$root/bench/c/readloop.c"
gcc -O2 -Wall -o "$work/rawconsumer" "$root/bench/c/rawconsumer.c"
# What users run: the launcher (it builds the jar and its class-data archive first when they are stale,
# which this first call does, outside any measurement).
"$root/safetap" --version >/dev/null || fail "./safetap could not be built"
safetap=("$root/safetap")
ulimit -l 8192 2>/dev/null || true
ulimit -n 65536 2>/dev/null || true

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

# startup LABEL CMD...: runs CMD once; sets ATTACH (ms to a line starting "Attaching", or -) and EXIT (ms).
startup() {
  local start line pid
  ATTACH=-
  start=$(now)
  exec {out}< <("${@:2}" 2>"$work/$1.err")
  pid=$!
  while IFS= read -r line <&"$out"; do
    if [ "$ATTACH" = - ] && [[ $line == Attaching* ]]; then ATTACH=$(ms "$start" "$(now)"); fi
  done
  exec {out}<&-
  wait "$pid" || fail "$1 failed: $(tail -3 "$work/$1.err")"
  EXIT=$(ms "$start" "$(now)")
}

# median of the arguments
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }

# readcost: runs readloop three times; sets CPU_NS and WALL_NS per read (medians)
readcost() {
  local cpu=() wall=() n elapsed cpuns
  for _ in 1 2 3; do
    read -r n elapsed cpuns < <("$work/readloop" "$reads" 1 benchread)
    cpu+=($(( cpuns / n ))); wall+=($(( elapsed / n )))
  done
  CPU_NS=$(median "${cpu[@]}"); WALL_NS=$(median "${wall[@]}")
}

# traced LABEL SIGNAL READY CMD...: starts a tracer, waits for a line starting with READY, measures readcost,
# stops it with SIGNAL (a background job of a script starts with SIGINT ignored, which the JVM keeps: safetap
# is stopped with TERM; bpftrace installs its own INT handler)
traced() {
  local label=$1 signal=$2 ready=$3 deadline
  shift
  "${@:3}" >"$work/$label.out" 2>"$work/$label.err" &
  background=$!
  deadline=$(( $(date +%s) + 90 ))
  until grep -q "^$ready" "$work/$label.out" 2>/dev/null; do
    kill -0 "$background" 2>/dev/null || fail "$label exited early: $(tail -3 "$work/$label.err")"
    [ "$(date +%s)" -lt "$deadline" ] || fail "$label did not attach within 90 s"
    sleep 0.05
  done
  sleep 0.3
  readcost
  kill -"$signal" "$background"; wait "$background" || true; background=""
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) print "n/a"; else printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v g="$2" -v op="$3" 'BEGIN { if (r == "n/a") print "n/a";
  else if ((op == "<=" && r <= g) || (op == ">=" && r >= g)) print "met"; else print "NOT met" }'; }

rows=()
row() { rows+=("$(printf '%-46s %12s %12s %7s %-12s %s' "$@")"); }

one='tracepoint:syscalls:sys_enter_read { @[comm] = count(); } BEGIN { exit(); }'
all='tracepoint:syscalls:sys_enter_* { @[comm] = count(); } BEGIN { exit(); }'

echo "1. start-up and exit, one tracepoint..." >&2
startup safetap1 "${safetap[@]}" -e "$one"; s_att=$ATTACH; s_exit=$EXIT
startup bpftrace1 bpftrace -e "$one"; b_att=$ATTACH; b_exit=$EXIT
startup perf1 perf stat -e syscalls:sys_enter_read -a -- true; p_exit=$EXIT
r=$(ratio "$s_att" "$b_att"); row "1 to Attaching, ms (bpftrace)" "$s_att" "$b_att" "$r" "<= 1.00" "$(verdict "$r" 1 "<=")"
r=$(ratio "$s_exit" "$b_exit"); row "1 to exit, ms (bpftrace)" "$s_exit" "$b_exit" "$r" "<= 1.00" "$(verdict "$r" 1 "<=")"
row "1 to exit, ms (perf stat -a -- true)" "$s_exit" "$p_exit" "$(ratio "$s_exit" "$p_exit")" "" "info"

echo "2. start-up and exit, syscalls:sys_enter_* (bpftrace takes about half a minute)..." >&2
startup safetap2 "${safetap[@]}" -e "$all"; s_att=$ATTACH; s_exit=$EXIT
# let the previous run's deferred release (see kernel-bridge DeferredRelease) finish before the peers attach
sleep 15
startup bpftrace2 bpftrace -e "$all"; b_att=$ATTACH; b_exit=$EXIT
startup perf2 perf stat -e 'syscalls:sys_enter_*' -a -- true; p_exit=$EXIT
r=$(ratio "$s_att" "$b_att"); row "2 to Attaching, ms (bpftrace)" "$s_att" "$b_att" "$r" "<= 1.00" "$(verdict "$r" 1 "<=")"
r=$(ratio "$s_exit" "$b_exit"); row "2 to exit, ms (bpftrace)" "$s_exit" "$b_exit" "$r" "<= 1.00" "$(verdict "$r" 1 "<=")"
row "2 to exit, ms (goal: under 1000 ms)" "$s_exit" "1000" "$(ratio "$s_exit" 1000)" "<= 1.00" \
  "$(verdict "$(ratio "$s_exit" 1000)" 1 "<=")"
row "2 to exit, ms (perf stat -a -- true)" "$s_exit" "$p_exit" "$(ratio "$s_exit" "$p_exit")" "" "info"
sleep 15

echo "3. ns per read(2), $reads reads x 3 runs per configuration..." >&2
count='tracepoint:syscalls:sys_enter_read { @[comm] = count(); }'
rejected='tracepoint:syscalls:sys_enter_read /args->count == 7777/ { @[comm] = count(); }'
countonly='tracepoint:syscalls:sys_enter_read { @ = count(); }'
readcost; base_cpu=$CPU_NS; base_wall=$WALL_NS
traced bpf_count INT Attaching bpftrace -e "$count"; b_cpu=$((CPU_NS - base_cpu)); b_wall=$((WALL_NS - base_wall))
traced st_count TERM Attaching "${safetap[@]}" -e "$count"; s_cpu=$((CPU_NS - base_cpu)); s_wall=$((WALL_NS - base_wall))
traced raw_c INT attached "$work/rawconsumer" syscalls/sys_enter_read 256; c_cpu=$((CPU_NS - base_cpu)); c_wall=$((WALL_NS - base_wall))
traced bpf_rej INT Attaching bpftrace -e "$rejected"; bf_cpu=$((CPU_NS - base_cpu)); bf_wall=$((WALL_NS - base_wall))
traced st_rej TERM Attaching "${safetap[@]}" -e "$rejected"; sf_cpu=$((CPU_NS - base_cpu)); sf_wall=$((WALL_NS - base_wall))
traced bpf_only INT Attaching bpftrace -e "$countonly"; bo_cpu=$((CPU_NS - base_cpu)); bo_wall=$((WALL_NS - base_wall))
traced st_only TERM Attaching "${safetap[@]}" -e "$countonly"; so_cpu=$((CPU_NS - base_cpu)); so_wall=$((WALL_NS - base_wall))
row "3 untraced read, ns (cpu / wall)" "$base_cpu" "$base_wall" "" "" "info"
row "3 added: bpftrace count, ns (cpu / wall)" "$b_cpu" "$b_wall" "" "" "info"
row "3 added: C raw consumer, ns (cpu / wall)" "$c_cpu" "$c_wall" "" "" "info"
r=$(ratio "$s_cpu" "$c_cpu"); row "3 added: safetap count (C consumer), cpu ns" "$s_cpu" "$c_cpu" "$r" "<= 1.10" "$(verdict "$r" 1.1 "<=")"
row "3 added: safetap count (bpftrace), cpu ns" "$s_cpu" "$b_cpu" "$(ratio "$s_cpu" "$b_cpu")" "" "info"
r=$(ratio "$sf_cpu" "$bf_cpu"); row "3 added: kernel filter rejects (bpftrace), cpu" "$sf_cpu" "$bf_cpu" "$r" "<= 1.00" "$(verdict "$r" 1 "<=")"
r=$(ratio "$so_cpu" "$bo_cpu"); row "3 added: count-only (bpftrace), cpu ns" "$so_cpu" "$bo_cpu" "$r" "<= 0.60" "$(verdict "$r" 0.6 "<=")"
grep -q "benchread" "$work/st_count.out" || fail "safetap did not count the reads: $(tail -3 "$work/st_count.err")"

echo "4. events per CPU-second: $burst reads traced by safetap, with 0, 1 and 2 workers..." >&2
ticks() { awk '{ print $14 + $15 }' "/proc/$background/stat"; }
hz=$(getconf CLK_TCK)
for workers in 0 1 2; do
  "${safetap[@]}" --workers "$workers" -e "$count" >"$work/burst$workers.out" 2>"$work/burst$workers.err" &
  background=$!
  until grep -q "^Attaching" "$work/burst$workers.out" 2>/dev/null; do
    kill -0 "$background" 2>/dev/null || fail "safetap exited early: $(tail -3 "$work/burst$workers.err")"
    sleep 0.05
  done
  sleep 0.5
  # a first burst lets the JIT compile the path, as it is after the first seconds of any real run
  "$work/readloop" "$burst" 1 benchwarm >/dev/null
  sleep 0.5
  before=$(ticks)
  read -r n elapsed _ < <("$work/readloop" "$burst" 1 benchburst)
  sleep 0.2
  after=$(ticks)
  kill -TERM "$background"; wait "$background" || true; background=""
  counted=$(sed -n 's/^@\[benchburst\]: //p' "$work/burst$workers.out")
  lost=$(sed -n 's/^warning: \([0-9]*\) events lost (.*/\1/p' "$work/burst$workers.err")
  offered=$(awk -v n="$n" -v e="$elapsed" 'BEGIN { printf "%.0f", n / (e / 1e9) }')
  capacity=$(awk -v n="$n" -v t="$((after - before))" -v hz="$hz" 'BEGIN { if (t == 0) print 0; else printf "%.0f", n / (t / hz) }')
  r=$(ratio "$capacity" 10000000)
  row "4 events/s per CPU-second, $workers workers" "$capacity" "10000000" "$r" ">= 1.00" "$(verdict "$r" 1 ">=")"
  row "4 offered by one reading thread, $workers workers" "$offered" "" "" "" "counted ${counted:-0} of $n, lost ${lost:-0}"
done

echo
printf '%-46s %12s %12s %7s %-12s %s\n' "measure (peer)" "safetap" "peer" "ratio" "goal" "verdict"
printf '%s\n' "${rows[@]}"
echo
echo "ratios: safetap / peer. Item 3 ratios use the reading thread's CPU time per read minus the untraced one."
echo "Item 4: reads / safetap's CPU seconds (all its threads) during a second burst, after a first one warmed the JIT;"
echo "0 workers runs the probe on the merging thread, 1 and 2 on workers reading the second rings in place. The"
echo "offered rate is what one thread on this machine produces, so 'lost' shows whether safetap kept up."
