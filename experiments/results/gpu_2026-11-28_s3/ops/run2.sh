#!/bin/bash
# Session 3, ops helper, device call 2 (final), binaries built at commit 34ff37904064832e69d64b104f0725cbb7ce5e5e on branch ops.
export LD_LIBRARY_PATH=$PWD/.device-ops/lib
D=.device-ops/bin
T=$OUT/tests.txt
echo "commit 34ff37904064832e69d64b104f0725cbb7ce5e5e" > $T
nvidia-smi --query-gpu=name,clocks.max.sm --format=csv >> $T 2>&1
echo "== test_gpu_ops" >> $T
timeout 40 $D/test_gpu_ops >> $T 2>&1; echo "rc=$?" >> $T
echo "== LONGNET_LN_KERNEL=registers test_gpu_ops --gtest_filter='LayerNorm*'" >> $T
LONGNET_LN_KERNEL=registers timeout 15 $D/test_gpu_ops --gtest_brief=1 --gtest_filter='LayerNorm*' >> $T 2>&1; echo "rc=$?" >> $T
timeout 20 $D/test_gpu_backend > $OUT/test_gpu_backend.txt 2>&1; echo "rc=$?" >> $OUT/test_gpu_backend.txt
timeout 30 compute-sanitizer --tool memcheck $D/test_gpu_ops --gtest_brief=1 --gtest_filter='Rotary*:Embedding*:CrossEntropy*:LayerNorm*' > $OUT/memcheck.txt 2>&1; echo "rc=$?" >> $OUT/memcheck.txt
timeout 20 $D/cuda_ops_bench bandwidth > $OUT/bench_bandwidth.txt 2>&1; echo "rc=$?" >> $OUT/bench_bandwidth.txt
LONGNET_LN_KERNEL=registers timeout 20 $D/cuda_ops_bench bandwidth > $OUT/bench_bandwidth_ln_registers.txt 2>&1; echo "rc=$?" >> $OUT/bench_bandwidth_ln_registers.txt
timeout 60 $D/cuda_ops_bench > $OUT/cuda_ops_bench.txt 2>&1; echo "rc=$?" >> $OUT/cuda_ops_bench.txt
