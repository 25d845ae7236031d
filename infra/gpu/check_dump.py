#!/usr/bin/env python3
"""Cross-checks every case dumped by `hyperbench kernels bench --dump DIR` against a float64 NumPy reference.

Forward: O and lse. Backward (when dq/dk/dv are present): the exact softmax-attention gradient of L = sum(dO * O).
Hyper cases (non-causal, with query_order / key_order / sampled_keys): the approximation itself is recomputed from the dumped
sortLSH orders and samples (blocks of b sorted queries attend to the same block of sorted keys, plus every sampled key outside
that block with weight n/m; value-norm weights 1/(m p_j)), and its exact gradient, as a weighted dense pattern in float64.
Prints one line per case and exits 1 when an error is above tolerance (fp32 kernels: 1e-4 absolute on O, 1e-3 relative on grads;
the tensor-core dtypes, whose P is rounded to the input format for P V: 1e-4 + u max|v| on O with u = 2^-8 for bf16, 2^-11 for
fp16, 0 for tf32x3; the reference reads the dumped inputs, which are the rounded ones, so only the kernel's own error counts).
"""
import glob
import json
import os
import sys

import numpy as np


def hyper_log_weights(folder, meta, v):
    """log of the weight of key j in query i's softmax (-inf = absent), per (batch, head): the dumped sparse pattern."""
    h = meta["hyper"]
    qo, ko, sk = (np.load(os.path.join(folder, f + ".npy")) for f in ("query_order", "key_order", "sampled_keys"))
    bsz, heads, n = qo.shape
    b, m = h["block_size"], h["samples"]
    w = np.zeros((bsz, heads, n, n))
    for bi in range(bsz):
        for hi in range(heads):
            pos = np.empty(n, dtype=np.int64)
            pos[ko[bi, hi]] = np.arange(n)
            if h["sampling"] == "value-norm":
                norms = (v[bi, hi].astype(np.float64) ** 2).sum(-1)
                weight = 1.0 / (m * norms / norms.sum())
            else:
                weight = np.full(n, n / m)
            for t in range((n + b - 1) // b):
                queries = qo[bi, hi, t * b:(t + 1) * b]
                keys = ko[bi, hi, t * b:(t + 1) * b]
                w[bi, hi, queries[:, None], keys[None, :]] += 1.0
                for j in sk[bi, hi]:
                    if pos[j] // b != t:
                        w[bi, hi, queries, j] += weight[j]
    with np.errstate(divide="ignore"):
        return np.log(w)


def reference(q, k, v, do, causal, log_weights=None):
    q, k, v = (x.astype(np.float64) for x in (q, k, v))
    d = q.shape[-1]
    s = np.einsum("bhid,bhjd->bhij", q, k) / np.sqrt(d)
    if log_weights is not None:
        s = s + log_weights
    if causal:
        n = s.shape[-1]
        s = np.where(np.tril(np.ones((n, n), dtype=bool)), s, -np.inf)
    m = s.max(-1, keepdims=True)
    p = np.exp(s - m)
    l = p.sum(-1, keepdims=True)
    p /= l
    o = p @ v
    lse = (m + np.log(l))[..., 0]
    if do is None:
        return o, lse, None
    do = do.astype(np.float64)
    dv = np.einsum("bhij,bhid->bhjd", p, do)
    dp = np.einsum("bhid,bhjd->bhij", do, v)
    ds = p * (dp - (do * o).sum(-1, keepdims=True))
    dq = ds @ k / np.sqrt(d)
    dk = np.einsum("bhij,bhid->bhjd", ds, q) / np.sqrt(d)
    return o, lse, (dq, dk, dv)


def main():
    root = sys.argv[1]
    bad = 0
    cases = sorted(glob.glob(os.path.join(root, "*", "manifest.json")))
    if not cases:
        print(f"no dumped case under {root}")
        return 1
    for manifest in cases:
        meta = json.load(open(manifest))
        folder = os.path.dirname(manifest)
        load = lambda name: np.load(os.path.join(folder, name + ".npy")) if os.path.exists(os.path.join(folder, name + ".npy")) else None
        q, k, v, do = load("q"), load("k"), load("v"), load("do")
        log_weights = None
        if meta.get("kernel") == "hyper":
            if not meta.get("hyper"):
                print(f"skip {meta['case']}: causal hyper dumps no sortLSH layout")
                continue
            log_weights = hyper_log_weights(folder, meta, v)
        o, lse, grads = reference(q, k, v, do, meta["causal"], log_weights)
        err = {"o": float(np.abs(load("o") - o).max()), "lse": float(np.abs(load("lse") - lse).max())}
        unit = {"bf16": 2.0 ** -8, "fp16": 2.0 ** -11}.get(meta.get("dtype", "fp32"), 0.0)
        ok = err["o"] <= 1e-4 + unit * float(np.abs(v.astype(np.float64)).max()) and err["lse"] <= 1e-4
        if grads is not None and load("dq") is not None:
            for name, g in zip(("dq", "dk", "dv"), grads):
                rel = float(np.abs(load(name) - g).max() / max(np.abs(g).max(), 1e-30))
                err[name + "_rel"] = rel
                ok = ok and rel <= 1e-3
        bad += 0 if ok else 1
        summary = " ".join(f"{key}={val:.2e}" for key, val in err.items())
        print(f"{'ok  ' if ok else 'FAIL'} {meta['case']} on {meta['device']}: {summary}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
