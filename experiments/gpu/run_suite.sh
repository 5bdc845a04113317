#!/usr/bin/env bash
# The GPU session in one command, for the GPU machine (shared/gpu/README.md): every GPU test
# program, then the benchmarks, each under its own time limit so one slow step cannot eat the
# call. Usage, from the repository root on the GPU machine:
#   experiments/gpu/run_suite.sh BUNDLE_DIR OUT_DIR
# BUNDLE_DIR holds bin/ and lib/ as made by shared/gpu/bundle.sh; OUT_DIR receives the logs and
# one tarball of the benchmark outputs (CSV, PNG).
set -uo pipefail
bundle=$1 out=$2
export LD_LIBRARY_PATH=$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} NCCL_NVLS_ENABLE=0
export LONGNET_BIN=$(realpath "$bundle/bin/longnet")  # for the tests that run the binary
bin=$bundle/bin
mkdir -p "$out/bench"
step() {  # step SECONDS LOG COMMAND...: run, time and log one step; a failure does not stop the rest
  local limit=$1 log=$2; shift 2
  local start=$SECONDS
  timeout "$limit" "$@" >>"$out/$log" 2>&1
  local rc=$?
  printf '%-60s rc=%-4s %4ss\n' "$(basename "$1") ${*:2:3}" "$rc" "$((SECONDS - start))" | tee -a "$out/summary.txt"
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/summary.txt"
"$bin/longnet" --version | tee -a "$out/summary.txt"

for t in "$bin"/*gpu*; do  # every GPU test program in the bundle
  step 150 tests.log "$t"
done
grep -hE "^\[  (PASSED|FAILED) |tests? ran" "$out/tests.log" | tee -a "$out/summary.txt"

step 170 scale_layer.txt "$bin/longnet" scale --device cuda --mode layer --attention dilated,dense,sparse \
  --max-tokens 32M --warmup 2 --repeats 5 --time-limit 10 --out "$out/bench/layer"
step 150 scale_core.txt "$bin/longnet" scale --device cuda --mode core --attention dilated,dense,sparse --cudnn-reference \
  --max-tokens 2M --warmup 2 --repeats 5 --time-limit 10 --out "$out/bench/core"
[ -x "$bin/cuda_ops_bench" ] && step 90 cuda_ops_bench.txt "$bin/cuda_ops_bench"
[ -x "$bin/cudnn_attention_bench" ] && step 90 cudnn_attention_bench.txt "$bin/cudnn_attention_bench"
tar czf "$out/bench.tgz" -C "$out" bench && rm -rf "$out/bench"
