#!/bin/bash
# Session 3, ops helper, device call 1: tests, bandwidth variants, sanitizer on the changed kernels.
export LD_LIBRARY_PATH=$PWD/.device-ops/lib
D=.device-ops/bin
T=$OUT/tests.txt
nvidia-smi --query-gpu=name,clocks.max.sm --format=csv > $T 2>&1
echo "== test_gpu_ops" >> $T
timeout 40 $D/test_gpu_ops --gtest_brief=1 >> $T 2>&1; echo "rc=$?" >> $T
echo "== registers variants: CrossEntropy* LayerNorm*" >> $T
LONGNET_CE_KERNEL=registers LONGNET_LN_KERNEL=registers timeout 15 $D/test_gpu_ops --gtest_brief=1 --gtest_filter='CrossEntropy*:LayerNorm*' >> $T 2>&1; echo "rc=$?" >> $T
timeout 25 $D/cuda_ops_bench bandwidth > $OUT/bench_bulk.txt 2>&1; echo "rc=$?" >> $OUT/bench_bulk.txt
LONGNET_CE_KERNEL=registers LONGNET_LN_KERNEL=registers timeout 20 $D/cuda_ops_bench bandwidth > $OUT/bench_registers.txt 2>&1; echo "rc=$?" >> $OUT/bench_registers.txt
LONGNET_CE_KERNEL=merge timeout 20 $D/cuda_ops_bench bandwidth > $OUT/bench_merge.txt 2>&1; echo "rc=$?" >> $OUT/bench_merge.txt
timeout 30 $D/test_gpu_backend --gtest_brief=1 > $OUT/backend.txt 2>&1; echo "rc=$?" >> $OUT/backend.txt
timeout 25 compute-sanitizer --tool memcheck $D/test_gpu_ops --gtest_brief=1 --gtest_filter='Rotary*:Embedding*:CrossEntropy.BackwardFromLse*:CrossEntropy.ManyRows*:LayerNorm*' > $OUT/sanitizer.txt 2>&1; echo "rc=$?" >> $OUT/sanitizer.txt
