#!/usr/bin/env bash
# The LongNet LM against an independent PyTorch float64 model (lm_reference.py): prepare a small
# corpus from this repository's lib/ sources, train tiny dense, sparse and dilated models a few
# steps (blocked head offsets and tied embeddings in one of them), evaluate each with
# `longnet eval` at the training length, at a length no pattern divides and at three training
# lengths (blockwise causal attention, as the paper evaluates beyond the training length), and
# require the reference's perplexity to agree within 2e-6 (float32 against float64; they agree
# to ~1e-7).
#   check_lm_reference.sh LONGNET_BIN SOURCE_DIR SCRATCH_DIR [DEVICE]   (DEVICE of training: cpu, cuda)
set -euo pipefail
longnet=$(realpath "$1") source=$(realpath "$2") scratch=$3 device=${4:-cpu}
python=""
for candidate in /usr/bin/python3 python3; do
  if "$candidate" -c "import torch" 2>/dev/null; then python=$candidate; break; fi
done
if [ -z "$python" ]; then
  echo "check_lm_reference: no python3 with torch; install python3-torch (make deps)" >&2
  exit 1
fi
rm -rf "$scratch" && mkdir -p "$scratch" && cd "$scratch"
cat > recipe.toml <<TOML
output = "$scratch/data"
[source]
kind = "directory"
path = "$source/lib"
[documents]
unit = "file"
[split]
valid = 0.1
test = 0.1
[tokenizer]
vocab_size = 1000
TOML
cat > tiny.toml <<TOML
[model]
layers = 2
dim = 64
heads = 4
ffn_dim = 128
[attention]
kind = "dilated"
segment_lengths = [32, 64, 128]
dilation_rates = [1, 2, 4]
[attention.sparse]
block = 32
summary = 8
[data]
dir = "$scratch/data"
[train]
seq_len = 128
tokens_per_step = 512
micro_batch = 4
steps = 4
lr = 3e-3
warmup_steps = 2
eval_every = 0
device = "$device"
TOML
"$longnet" prepare recipe.toml > prepare.log 2>&1 || { cat prepare.log; exit 1; }
failed=0
for variant in "dilated:" "dense:--set attention.kind=dense" "sparse:--set attention.kind=sparse" \
               "dilated-blocked-tied:--set attention.head_offsets=blocked --set model.tie_embeddings=true"; do
  name=${variant%%:*}
  # shellcheck disable=SC2086  # the overrides are separate words
  "$longnet" train tiny.toml ${variant#*:} --out "run-$name" > "train-$name.log" 2>&1 \
    || { cat "train-$name.log"; exit 1; }
  for length in 128 100 384; do  # 384: blockwise causal attention in blocks of 128
    "$longnet" eval "run-$name" --lengths $length --max-tokens $((2 * length)) --split test \
      --csv "eval-$name-$length.csv" > "eval-$name-$length.log" 2>&1 \
      || { cat "eval-$name-$length.log"; exit 1; }
    ppl=$(tail -n 1 "eval-$name-$length.csv" | cut -d, -f3)
    echo "== $name, length $length: longnet perplexity $ppl"
    "$python" "$source/tests/reference/lm_reference.py" "run-$name" data/test.bin \
      --length $length --windows 2 --block 128 --expect "$ppl" || failed=1
  done
done
exit $failed
