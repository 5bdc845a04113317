#!/usr/bin/env bash
# The session's closing GPU call (device time was short, so a subset of run_suite.sh): every GPU
# test program, the training throughput of the six experiments/throughput configs with the step
# breakdown, the dilated core against its cuDNN reference, the dilated layer to 16M tokens,
# compute-sanitizer on the op kernels changed last, and the kernel-time profile of a dense step.
# From the repository root on the GPU machine: final_run.sh BUNDLE_DIR OUT_DIR
set -uo pipefail
bundle=$1 out=$2
export LD_LIBRARY_PATH=$bundle/lib NCCL_NVLS_ENABLE=0 LONGNET_BIN=$(realpath "$bundle/bin/longnet")
bin=$bundle/bin
mkdir -p "$out"
step() {  # step SECONDS LOG COMMAND...
  local limit=$1 log=$2; shift 2
  local start=$SECONDS
  timeout "$limit" "$@" >>"$out/$log" 2>&1
  printf '%-48s rc=%-4s %4ss\n' "$(basename "$1") ${*:2:2}" "$?" "$((SECONDS - start))" | tee -a "$out/summary.txt"
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/summary.txt"
"$bin/longnet" --version | tee -a "$out/summary.txt"
for t in "$bin"/*gpu*; do step 150 tests.log "$t"; done
grep -hE "^\[  (PASSED|FAILED) |tests? ran" "$out/tests.log" | tee -a "$out/summary.txt"
step 120 memcheck.log /usr/local/cuda/bin/compute-sanitizer --tool memcheck "$bin/test_gpu_ops" \
  --gtest_filter='Elementwise*:CrossEntropy*'
grep -hE "ERROR SUMMARY|^\[  (PASSED|FAILED) " "$out/memcheck.log" | tee -a "$out/summary.txt"
step 230 throughput.log experiments/gpu/train_throughput.sh "$bundle" "$out/throughput"
step 60 scale_core.txt "$bin/longnet" scale --device cuda --mode core --attention dilated \
  --cudnn-reference --min-tokens 32K --max-tokens 256K --warmup 2 --repeats 5 --out "$out/core"
step 90 scale_layer.txt "$bin/longnet" scale --device cuda --mode layer --attention dilated \
  --min-tokens 4M --max-tokens 16M --warmup 1 --repeats 3 --out "$out/layer"
step 150 profile.log experiments/gpu/profile_train_step.sh "$bundle" "$out/profile" \
  experiments/throughput/dense-8k.toml --set train.deterministic=true
gzip "$out"/profile/*.csv
rm -f "$out"/core/*.png "$out"/layer/*.png
tar czf "$out/details.tgz" -C "$out" throughput core layer profile && rm -rf "$out/throughput" "$out/core" "$out/layer" "$out/profile"
