"""Host model of lab variant 16's dS-tile indexing (16_backward_ds_tiles.cu), strided passes.

Mirrors the kernels' row arithmetic (row_map.cuh's strided maps, key_tile_work, the dS grid) on
random shapes with query/key windows, dilations, head offsets and both causal modes, and checks
that every dS block the dQ kernel reads was written by the key kernel, lies inside the workspace
grid, holds that pair's value, and that each attended (query, key) pair is read exactly once by
its query's owner. It checks indices only, not the kernels. Run: python3 16_ds_tiles_index_model.py
"""
import random

KEY_ROWS, STEP, DQ_ROWS, DQ_WARPS = 64, 32, 64, 4


def cdiv(a, b):
    return -(-a // b)


def group_rows(seq_len, period, stride, offset, s):
    """(pos, count_below, count) of strided group s, as strided_rows in row_map.cuh."""
    start = s * period
    end = min(start + period, seq_len)
    base = start + offset
    count = cdiv(end - base, stride) if end > base else 0
    return (lambda m: base + m * stride,
            lambda p: max(0, min(count, cdiv(p - base, stride))), count)


def key_kernel_blocks(n, period, stride, offset, q0, qn, k0, kn, causal):
    """{(group, key tile, step): set of (key row in tile, query row in step) with dS != 0}."""
    steps = cdiv(cdiv(min(period, n), stride), STEP)
    tiles = cdiv(cdiv(min(period, kn), stride), KEY_ROWS)
    first_group = k0 // period
    written = {}
    for s in range(first_group, (k0 + kn - 1) // period + 1):
        pos, below, _ = group_rows(n, period, stride, offset, s)
        k_lo, k_hi = below(k0), below(k0 + kn)
        assert k_hi - k_lo <= tiles * KEY_ROWS, "key tiles per group too few"
        for t in range(tiles):
            first = k_lo + t * KEY_ROWS
            if first >= k_hi:
                continue
            rows = min(KEY_ROWS, k_hi - first)
            lo, hi = below(q0), below(q0 + qn)
            if causal:
                lo = max(lo, first)
            for step in range(lo // STEP, cdiv(hi, STEP) if hi > lo else 0):
                assert step < steps, "step outside the workspace grid"
                written[(s, t, step)] = {
                    (i, j) for i in range(rows) for j in range(STEP)
                    if lo <= step * STEP + j < hi
                    and (not causal or pos(first + i) <= pos(step * STEP + j))}
    return written, first_group, tiles


def check(n, period, stride, offset, q0, qn, k0, kn, causal):
    written, k_first_group, k_tiles = key_kernel_blocks(n, period, stride, offset, q0, qn, k0,
                                                        kn, causal)
    k_groups = (k0 + kn - 1) // period - k_first_group + 1
    read = set()
    for s in range(q0 // period, (q0 + qn - 1) // period + 1):
        pos, below, count = group_rows(n, period, stride, offset, s)
        q_lo, q_hi = below(q0), below(q0 + qn)
        for tile in range(cdiv(cdiv(min(period, n), stride), DQ_ROWS)):
            first, end = max(q_lo, tile * DQ_ROWS), min(q_hi, (tile + 1) * DQ_ROWS)
            if first >= end:
                continue
            k_lo, k_hi = below(k0), below(k0 + kn)
            if causal:
                k_hi = min(k_hi, below(pos(end - 1) + 1))
            for kt in range(cdiv(k_hi - k_lo, KEY_ROWS) if k_hi > k_lo else 0):
                m0 = k_lo + kt * KEY_ROWS
                visited_from = (max(q_lo, m0) if causal else q_lo) // STEP
                for warp in range(DQ_WARPS):
                    row0 = tile * DQ_ROWS + 16 * warp
                    use = row0 + 16 > first and row0 < end and row0 // STEP >= visited_from
                    for m in range(max(row0, first), min(row0 + 16, end)):
                        for i in range(KEY_ROWS):
                            if m0 + i >= k_hi or (causal and pos(m0 + i) > pos(m)):
                                continue
                            assert use, "an attended pair is skipped"
                            assert k_first_group <= s < k_first_group + k_groups and kt < k_tiles
                            assert (i, m % STEP) in written[(s, kt, row0 // STEP)], "not written"
                            assert (s, m, m0 + i) not in read, "read twice"
                            read.add((s, m, m0 + i))
    attended = set()
    for s in range(min(q0, k0) // period, max(q0 + qn, k0 + kn) // period + 1):
        pos, _, count = group_rows(n, period, stride, offset, s)
        attended |= {(s, m, k) for m in range(count) if q0 <= pos(m) < q0 + qn
                     for k in range(count) if k0 <= pos(k) < k0 + kn and (not causal or k <= m)}
    assert attended == read, "some attended pair is never read"
    return len(read)


def main():
    rng = random.Random(1)
    pairs = 0
    for _ in range(300):
        stride = rng.choice([1, 1, 2, 3, 4])
        period = rng.choice([64, 128, 256, 300, 512])
        n = rng.randint(1, 700)
        offset = rng.randrange(stride)
        q0, k0 = rng.randrange(n), rng.randrange(n)
        qn, kn = rng.randint(1, n - q0), rng.randint(1, n - k0)
        if rng.random() < 0.5:
            q0, qn = 0, n
        if rng.random() < 0.5:
            k0, kn = 0, n
        pairs += check(n, period, stride, offset, q0, qn, k0, kn, rng.random() < 0.7)
    print(f"ok: 300 shapes, {pairs} attended pairs each read once from a written dS block")


if __name__ == "__main__":
    main()
