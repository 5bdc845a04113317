#!/usr/bin/env python3
"""An independent oracle for the LongNet language model: PyTorch in float64.

Rebuilds the model of DESIGN.md sections 3-4 from a checkpoint's config.toml and
model.safetensors, written here from the spec without any longnet code, and scores the first
windows of a token shard the way `longnet eval` does (non-overlapping windows of length N + 1
from the start of the stream, documents joined by </s>). With --expect it compares its
perplexity with longnet's and exits 1 when they differ by more than --rtol.

  python3 tests/reference/lm_reference.py RUN_OR_CHECKPOINT SHARD --length N [--windows W]
      [--expect PPL] [--rtol 2e-6]

Needs torch (and Python 3.11 for tomllib); nothing else. See tests/reference/README.md.
"""
import argparse
import json
import math
import struct
import sys
import tomllib
from pathlib import Path

import torch

EOS = 2  # SentencePiece's </s>, what `longnet prepare` keeps


def checkpoint_dir(path: Path) -> Path:
    latest = path / "checkpoints" / "latest"
    return path / "checkpoints" / latest.read_text().strip() if latest.exists() else path


def read_safetensors(path: Path) -> dict:
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    data = raw[8 + header_len :]
    dtypes = {"F32": torch.float32, "F64": torch.float64, "BF16": torch.bfloat16}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtypes[info["dtype"]])
        out[name] = t.reshape(info["shape"]).to(torch.float64)
    return out


def read_stream(shard: Path) -> list:
    """The shard's documents joined into one stream, each followed by </s> (docs/data.md)."""
    raw = shard.read_bytes()
    magic, _version, width, _vocab, _zero, _tok_sum, tokens, documents, _sum = struct.unpack(
        "<8sIIIIQQQQ", raw[:56])
    assert magic == b"LNSHARD\0", f"{shard} is not a longnet shard"
    code = {2: "H", 4: "I"}[width]
    ids = struct.unpack(f"<{tokens}{code}", raw[56 : 56 + tokens * width])
    offsets_at = 56 + tokens * width
    offsets = struct.unpack(f"<{documents + 1}Q", raw[offsets_at : offsets_at + 8 * (documents + 1)])
    stream = []
    for d in range(documents):
        stream.extend(ids[offsets[d] : offsets[d + 1]])
        stream.append(EOS)
    return stream


def key_counts(cfg: dict, n: int, heads: int) -> torch.Tensor:
    """C[h, i, j]: how many times key j is given to query i by head h (DESIGN.md section 3)."""
    att = cfg.get("attention", {})
    kind = att.get("kind", "dilated")
    causal = att.get("causal", True)
    i = torch.arange(n).view(n, 1)
    j = torch.arange(n).view(1, n)
    allowed = (j <= i) if causal else torch.ones(n, n, dtype=torch.bool)
    counts = torch.zeros(heads, n, n, dtype=torch.float64)
    if kind == "dense":
        counts[:] = allowed.to(torch.float64)
    elif kind == "sparse":
        assert causal, "the reference covers the causal sparse pattern"
        sparse = att.get("sparse", {})
        block, summary = sparse.get("block", 2048), sparse.get("summary", 128)
        for h in range(heads):
            g = h % (block // summary)
            own_block = (i // block) == (j // block)
            lo, hi = block - (g + 1) * summary, block - g * summary
            in_summary = ((j % block) >= lo) & ((j % block) < hi) & ((j // block) < (i // block))
            counts[h] = ((own_block & allowed) | in_summary).to(torch.float64)
    else:
        segments = att.get("segment_lengths", [2048, 4096, 8192, 16384, 32768])
        rates = att.get("dilation_rates", [1, 2, 4, 6, 12])
        blocked = att.get("head_offsets", "interleaved") == "blocked"
        pos = torch.arange(n)
        for w, r in zip(segments, rates):
            w = min(w, n)
            for h in range(heads):
                o = h // math.ceil(heads / r) if blocked else h % r
                selected = ((pos % w) >= o) & (((pos % w) - o) % r == 0)
                same_segment = (i // w) == (j // w)
                counts[h] += (selected.view(n, 1) & selected.view(1, n) & same_segment
                              & allowed).to(torch.float64)
    return counts


def blockwise_counts(cfg: dict, n: int, heads: int, block: int) -> torch.Tensor:
    """Blockwise causal attention (the paper's evaluation beyond the training length): the
    queries of block b see the keys of blocks b-1 and b, with the pattern laid over those two
    blocks as if they were one sequence that starts at block b-1."""
    counts = torch.zeros(heads, n, n, dtype=torch.float64)
    for begin in range(0, n, block):
        end = min(n, begin + block)
        start = max(0, begin - block)
        window = key_counts(cfg, end - start, heads)
        counts[:, begin:end, start:end] = window[:, begin - start :, :]
    return counts


def xpos_rotate(x: torch.Tensor) -> torch.Tensor:
    """x [N, H, Dh]: pair (2j, 2j+1) at position p turned by p * 10000^(-2j/Dh)."""
    n, _, dh = x.shape
    angle = torch.arange(n, dtype=torch.float64).view(n, 1, 1) * torch.pow(
        10000.0, -torch.arange(0, dh, 2, dtype=torch.float64) / dh).view(1, 1, dh // 2)
    x0, x1 = x[..., 0::2], x[..., 1::2]
    out = torch.empty_like(x)
    out[..., 0::2] = x0 * torch.cos(angle) - x1 * torch.sin(angle)
    out[..., 1::2] = x1 * torch.cos(angle) + x0 * torch.sin(angle)
    return out


def xpos_decay(x: torch.Tensor, sign: float, base: float) -> torch.Tensor:
    """Scale pair j at position p by z_j^(sign * p / base), z_j = (2j + 0.4 Dh) / (1.4 Dh)."""
    n, _, dh = x.shape
    z = (torch.arange(0, dh, 2, dtype=torch.float64) + 0.4 * dh) / (1.4 * dh)
    scale = torch.pow(z.view(1, 1, dh // 2),
                      sign * torch.arange(n, dtype=torch.float64).view(n, 1, 1) / base)
    return x * scale.repeat_interleave(2, dim=-1)


def layer_norm(x, w, prefix, eps=1e-5):
    return torch.nn.functional.layer_norm(x, x.shape[-1:], w[prefix + ".weight"],
                                          w[prefix + ".bias"], eps)


def linear(x, w, prefix, bias=True):
    y = x @ w[prefix + ".weight"].T
    return y + w[prefix + ".bias"] if bias else y


def attention(q, k, v, counts):
    """q, k, v [N, H, Dh]; one softmax per (query, head) over the multiset of its keys."""
    n, heads, dh = q.shape
    scores = torch.einsum("ihd,jhd->hij", q, k) / math.sqrt(dh)
    scores = scores + torch.log(counts)  # log 0 = -inf: keys a query is not given
    top = scores.amax(dim=-1, keepdim=True)
    top = torch.where(torch.isfinite(top), top, torch.zeros_like(top))
    weights = torch.exp(scores - top)
    denominator = weights.sum(dim=-1, keepdim=True)
    p = torch.where(denominator > 0, weights / denominator, torch.zeros_like(weights))
    return torch.einsum("hij,jhd->ihd", p, v)


def forward(cfg: dict, w: dict, ids: list, counts) -> torch.Tensor:
    m = cfg.get("model", {})
    heads = m.get("heads", 12)
    base = m.get("xpos_scale_base", 512.0)
    x = w["embed_tokens.weight"][torch.tensor(ids)]
    n, dim = x.shape
    for layer in range(m.get("layers", 12)):
        p = f"layers.{layer}."
        h = layer_norm(x, w, p + "self_attn_layer_norm")
        q, k, v = (linear(h, w, p + f"self_attn.{name}_proj").view(n, heads, dim // heads)
                   for name in ("q", "k", "v"))
        q, k = xpos_rotate(q), xpos_rotate(k)
        if base > 0:
            q, k = xpos_decay(q, 1.0, base), xpos_decay(k, -1.0, base)
        a = attention(q, k, v, counts).reshape(n, dim)
        x = x + linear(layer_norm(a, w, p + "self_attn.inner_attn_ln"), w, p + "self_attn.out_proj")
        h = torch.nn.functional.gelu(linear(layer_norm(x, w, p + "final_layer_norm"), w, p + "ffn.fc1"))
        x = x + linear(layer_norm(h, w, p + "ffn.ffn_layernorm"), w, p + "ffn.fc2")
    h = layer_norm(x, w, "layer_norm")
    out = w.get("output_projection.weight", w["embed_tokens.weight"])
    return h @ out.T


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="run directory or checkpoint step directory")
    ap.add_argument("shard", type=Path, help="token shard, e.g. runs/data/quickstart/test.bin")
    ap.add_argument("--length", type=int, required=True, help="evaluation length N")
    ap.add_argument("--windows", type=int, default=1, help="windows of N + 1 tokens to score")
    ap.add_argument("--block", type=int, default=0,
                    help="blockwise causal attention in blocks of this many tokens (0: off)")
    ap.add_argument("--expect", type=float, help="longnet's perplexity to compare with")
    ap.add_argument("--rtol", type=float, default=2e-6)
    args = ap.parse_args()

    ckpt = checkpoint_dir(args.run)
    cfg = tomllib.loads((ckpt / "config.toml").read_text())
    weights = read_safetensors(ckpt / "model.safetensors")
    stream = read_stream(args.shard)
    n = args.length
    windows = min(args.windows, (len(stream) - 1) // n)
    heads = cfg.get("model", {}).get("heads", 12)
    counts = (blockwise_counts(cfg, n, heads, args.block) if 0 < args.block < n
              else key_counts(cfg, n, heads))
    total = 0.0
    with torch.no_grad():
        for wi in range(windows):
            window = stream[wi * n : wi * n + n + 1]
            logits = forward(cfg, weights, window[:-1], counts)
            total += torch.nn.functional.cross_entropy(
                logits, torch.tensor(window[1:]), reduction="sum").item()
    ppl = math.exp(total / (windows * n))
    print(f"reference (torch float64): {windows} windows of {n} tokens, perplexity {ppl:.6f}")
    if args.expect is None:
        return 0
    rel = abs(ppl - args.expect) / ppl
    print(f"longnet: {args.expect:.6f}; relative difference {rel:.2e} (tolerance {args.rtol:g})")
    return 0 if rel <= args.rtol else 1


if __name__ == "__main__":
    sys.exit(main())
