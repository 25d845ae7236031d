#!/usr/bin/env python3
"""Cross-checks every case dumped by `hyperbench kernels bench --dump DIR` against a float64 NumPy reference.

Forward: O and lse. Backward (when dq/dk/dv are present): the exact softmax-attention gradient of L = sum(dO * O).
Prints one line per case and exits 1 when an error is above tolerance (fp32 kernels: 1e-4 absolute on O, 1e-3 relative on grads).
"""
import glob
import json
import os
import sys

import numpy as np


def reference(q, k, v, do, causal):
    q, k, v = (x.astype(np.float64) for x in (q, k, v))
    d = q.shape[-1]
    s = np.einsum("bhid,bhjd->bhij", q, k) / np.sqrt(d)
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
        o, lse, grads = reference(q, k, v, do, meta["causal"])
        err = {"o": float(np.abs(load("o") - o).max()), "lse": float(np.abs(load("lse") - lse).max())}
        ok = err["o"] <= 1e-4 and err["lse"] <= 1e-4
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
