#!/usr/bin/env bash
# Kernel time of one training step, by kernel (ncu, one metric: every kernel is timed once,
# serialised, clocks not locked), for the step-time breakdown of issue 4. From the repository root
# on the GPU machine: profile_train_step.sh BUNDLE_DIR OUT_DIR [CONFIG] [--set ...]
# Default CONFIG: experiments/throughput/dense-8k.toml (64K tokens, one micro-batch of 8 x 8K).
set -uo pipefail
bundle=$1 out=$2 config=${3:-experiments/throughput/dense-8k.toml}
shift $(($# < 3 ? $# : 3))
export LD_LIBRARY_PATH=$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
mkdir -p "$out"
[ -f runs/data/selfsource/manifest.json ] ||
  "$bundle/bin/longnet" prepare data/selfsource.toml --out runs/data/selfsource >"$out/prepare.log" 2>&1
name=$(basename "$config" .toml)
/usr/local/cuda/bin/ncu --clock-control none --metrics gpu__time_duration.sum --csv \
  --print-units base "$bundle/bin/longnet" train "$config" --out "${TMPDIR:-/tmp}/profile-$name" \
  --set train.steps=1 --set train.eval_every=0 "$@" >"$out/ncu-$name.csv" 2>"$out/ncu-$name.err"
python3 "$(dirname "$0")/kernel_times.py" "$out/ncu-$name.csv" 40 >"$out/kernels-$name.md"
cat "$out/kernels-$name.md"
