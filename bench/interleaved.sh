# Sourced by the whole-process benchmarks (bench/sign.sh, bench/dry-run.sh).
# Commands compared with each other are run in turn, A B C A B C …, so a
# drift in the machine's speed (these are shared, noisy machines) touches
# each of them alike, and a ratio is taken round by round before its median
# is quoted. Wall time from bash's EPOCHREALTIME around the bare command
# (microseconds; a run here takes milliseconds); peak resident memory, in
# runs of their own, from /usr/bin/time.

# interleaved RUNS OUT NAME...: one warm-up round and RUNS counted rounds of
# the commands held in the arrays called NAME...; writes to OUT one line per
# counted run: round, name, wall seconds.
interleaved() {
  local runs=$1 out=$2 round name start end
  shift 2
  : > "$out"
  for round in $(seq 0 "$runs"); do
    for name in "$@"; do
      local -n command="$name"
      start=$EPOCHREALTIME
      "${command[@]}" >/dev/null 2>&1
      end=$EPOCHREALTIME
      if [ "$round" -gt 0 ]; then
        echo "$round $name $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.6f", e - s }')" >> "$out"
      fi
      unset -n command
    done
  done
}

# peaks RUNS OUT NAME...: RUNS runs of each command under /usr/bin/time;
# writes to OUT one line per run: round, name, peak resident KiB.
peaks() {
  local runs=$1 out=$2 round name
  shift 2
  : > "$out"
  for round in $(seq "$runs"); do
    for name in "$@"; do
      local -n command="$name"
      /usr/bin/time -f %M -o "$out.one" "${command[@]}" >/dev/null 2>&1
      echo "$round $name $(cat "$out.one")" >> "$out"
      unset -n command
    done
  done
  rm -f "$out.one"
}

# The median of the numbers on standard input, one a line.
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# wall_of OUT NAME, peak_of OUT NAME: NAME's median wall seconds (from
# interleaved's OUT), peak KiB (from peaks' OUT).
wall_of() { awk -v n="$2" '$2 == n { print $3 }' "$1" | median; }
peak_of() { awk -v n="$2" '$2 == n { print $3 }' "$1" | median; }

# ratio_of OUT A B: the median over rounds of A's wall time over B's.
ratio_of() {
  awk -v a="$2" -v b="$3" '$2 == a { x[$1] = $3 } $2 == b { y[$1] = $3 }
    END { for (r in x) if (r in y) print x[r] / y[r] }' "$1" | median
}
