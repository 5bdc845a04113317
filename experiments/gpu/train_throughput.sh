#!/usr/bin/env bash
# Training throughput of the paper's model on one GPU (issue 7): prepares data/selfsource.toml
# (this repository's own text: no network needed), trains each experiments/throughput/*.toml for
# 12 steps (each under `timeout`) and writes OUT/throughput.md, one Markdown table of the median
# over steps 3-12 (1-2 are warm-up) of tokens/s, MFU and step time, and the peak GPU memory.
# Then the step-time breakdown of the dense 8K model (bench_train_step), when the bundle has it.
# Usage, from the repository root on the GPU machine (bundle as in docs/gpu.md):
#   experiments/gpu/train_throughput.sh BUNDLE_DIR OUT_DIR [NAME...]   (default: all six)
set -uo pipefail
bundle=$1 out=$2; shift 2
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(longnet-8k dense-8k sparse-8k longnet-32k dense-32k sparse-32k)
export LD_LIBRARY_PATH=$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
bin=$bundle/bin
runs=${TMPDIR:-/tmp}/longnet-throughput
mkdir -p "$out" "$runs"

if ! timeout 300 "$bin/longnet" prepare data/selfsource.toml --out runs/data/selfsource \
    >"$out/prepare.log" 2>&1; then
  echo "prepare failed:"; tail -5 "$out/prepare.log"; exit 1
fi

# median FIELD FILE: the median of FIELD over the metrics lines of steps >= 3.
median() {
  awk -v f="\"$1\":" 'match($0, /"step":[0-9]+/) && substr($0, RSTART + 7, RLENGTH - 7) + 0 >= 3 &&
                       match($0, f "[-0-9.e+]+") {print substr($0, RSTART + length(f), RLENGTH - length(f))}' "$2" |
    sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2];
                   else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

table=$out/throughput.md
{
  nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | sed 's/^/GPU: /'
  echo "Command: experiments/gpu/train_throughput.sh BUNDLE OUT (commit $("$bin/longnet" --version | head -1))"
  echo
  echo "| config | tokens/s | MFU | step ms | peak GPU memory GiB | exit |"
  echo "| --- | ---: | ---: | ---: | ---: | --- |"
} >"$table"
for name in "${names[@]}"; do
  rm -rf "$runs/$name"
  timeout 240 "$bin/longnet" train "experiments/throughput/$name.toml" --out "$runs/$name" \
    --set train.keep_checkpoints=1 >"$out/$name.log" 2>&1
  rc=$?
  metrics=$runs/$name/metrics.jsonl
  if [ -s "$metrics" ]; then
    tps=$(median tokens_per_second "$metrics") mfu=$(median mfu "$metrics")
    mem=$(grep -o '"memory_bytes":[0-9]*' "$metrics" | cut -d: -f2 | sort -n | tail -1)
    awk -v n="$name" -v t="$tps" -v m="$mfu" -v b="$mem" -v rc="$rc" 'BEGIN {
      printf "| %s | %.0f | %.1f%% | %.1f | %.1f | %s |\n", n, t, 100 * m, 65536 / t * 1000, b / 2^30, rc }' >>"$table"
  else
    echo "| $name | - | - | - | - | $rc (see $name.log) |" >>"$table"
  fi
  rm -rf "$runs/$name/checkpoints"
done
cat "$table"

if [ -x "$bin/bench_train_step" ]; then
  timeout 180 "$bin/bench_train_step" experiments/throughput/dense-8k.toml --steps 6 --warmup 2 \
    >"$out/step_breakdown.md" 2>&1
  cat "$out/step_breakdown.md"
fi
