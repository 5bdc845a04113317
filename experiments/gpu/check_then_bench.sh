#!/usr/bin/env bash
# One GPU call that tests candidate builds and benchmarks the first that passes: every GPU test
# program of each bundle in turn; the first bundle whose programs all pass gets a memcheck of the
# tests named by MEMCHECK_TEST (a test program of the bundle) and MEMCHECK_FILTER (its gtest
# filter), when set, then the training
# throughput of experiments/throughput/*.toml, the attention core and layer sweeps of issue 8 and,
# when the bundle has it, cuda_ops_bench.
# A bundle is a folder of bin/ and lib/ as shared/gpu/bundle.sh makes it. Usage, from the
# repository root on the GPU machine:
#   experiments/gpu/check_then_bench.sh OUT_DIR BUNDLE_DIR [BUNDLE_DIR...]
# OUT_DIR/summary.txt says which bundle passed and what each step returned.
set -uo pipefail
out=$1; shift
mkdir -p "$out"
summary=$out/summary.txt
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >"$summary"

passed=""
for bundle in "$@"; do
  export LD_LIBRARY_PATH=$bundle/lib LONGNET_BIN=$(realpath "$bundle/bin/longnet")
  echo "== $bundle: $("$bundle/bin/longnet" --version | head -1)" | tee -a "$summary"
  ok=1
  for t in "$bundle"/bin/*gpu*; do
    log=$out/$(basename "$bundle")_$(basename "$t").log
    timeout 240 "$t" >"$log" 2>&1
    rc=$?
    echo "$(basename "$t") rc=$rc $(grep -hE '^\[  (PASSED|FAILED) ' "$log" | tr '\n' ' ')" | tee -a "$summary"
    [ $rc -eq 0 ] || ok=0
  done
  if [ $ok -eq 1 ]; then passed=$bundle; break; fi
done
[ -n "$passed" ] || { echo "no bundle passed its GPU tests" | tee -a "$summary"; exit 1; }
echo "benchmarking $passed" | tee -a "$summary"
bin=$passed/bin
export LD_LIBRARY_PATH=$passed/lib LONGNET_BIN=$(realpath "$bin/longnet")

step() {  # step SECONDS LOG COMMAND...: run and log one step; a failure does not stop the rest
  local limit=$1 log=$2; shift 2
  local start=$SECONDS
  timeout "$limit" "$@" >>"$out/$log" 2>&1
  printf '%-40s rc=%-4s %4ss\n' "$log" "$?" "$((SECONDS - start))" | tee -a "$summary"
}
if [ -n "${MEMCHECK_TEST:-}" ]; then
  step 120 memcheck.txt /usr/local/cuda/bin/compute-sanitizer --tool memcheck "$bin/$MEMCHECK_TEST" \
    --gtest_filter="${MEMCHECK_FILTER:-*}"
  grep -h "ERROR SUMMARY" "$out/memcheck.txt" | tee -a "$summary"
fi
step 400 throughput.log experiments/gpu/train_throughput.sh "$passed" "$out/throughput" \
  longnet-32k longnet-8k dense-32k sparse-32k dense-8k sparse-8k
step 120 core.txt "$bin/longnet" scale --device cuda --mode core --attention dilated,sparse \
  --cudnn-reference --min-tokens 32K --max-tokens 256K --warmup 2 --repeats 5 --out "$out/core"
step 120 layer.txt "$bin/longnet" scale --device cuda --mode layer --attention dilated \
  --min-tokens 4M --max-tokens 16M --warmup 1 --repeats 3 --out "$out/layer"
[ -x "$bin/cuda_ops_bench" ] && step 90 cuda_ops_bench.txt "$bin/cuda_ops_bench"
