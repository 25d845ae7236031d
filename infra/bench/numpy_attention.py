#!/usr/bin/env python3
"""Exact blocked attention in NumPy (float32): a CPU peer for HyperBench's managed CPU backend.

Conventions (HyperBench spec): Q, K, V are [batch, heads, n, d] row-major float32,
scale = 1/sqrt(d), forward FLOPs = 4*batch*heads*n^2*d (causal: half of that).
Times are in seconds; every sample is reported together with the median.

Algorithm, per (batch, head) and per block of `--block` query rows [r0, r1):
    kend = r1 if causal else n            # causal: key columns above the block's last row are skipped
    S    = (Qb @ K[:kend].T) * scale      # [rows, kend]
    (causal: the diagonal block S[:, r0:r1] gets -inf where column > row)
    S   -= rowmax(S);  np.exp(S, out=S)
    O[r0:r1] = (S @ V[:kend]) / rowsum(S)

Benchmarking note: on some machines OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are set in the
environment (older OpenBLAS builds misbehave on those CPUs), and they can make OpenBLAS pick a
slower kernel.  This script never changes them.  A caller who wants peak numbers may unset both,
for that one command only, e.g.
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 infra/bench/numpy_attention.py ...
The JSON records the values in effect and the OpenBLAS kernel ("corename") that actually ran.

Examples:
    python3 infra/bench/numpy_attention.py --n 1024,2048 --json /tmp/np.json
    python3 infra/bench/numpy_attention.py --n 4096 --causal
    python3 infra/bench/numpy_attention.py --check          # correctness self-test only
"""

import argparse
import contextlib
import io
import json
import math
import os
import platform
import statistics
import sys
import time

import numpy as np


# --------------------------------------------------------------------------------------------
# Attention kernels
# --------------------------------------------------------------------------------------------

def blocked_attention(q, k, v, block=1024, causal=False, out=None):
    """Exact attention, processed `block` query rows at a time. q, k, v: [B, H, n, d] float32."""
    B, H, n, d = q.shape
    scale = np.float32(1.0 / math.sqrt(d))
    if out is None:
        out = np.empty_like(q)
    block = max(1, min(block, n))
    # One reusable score buffer (avoids page-faulting a fresh block*n array every block).
    # Views into it are taken as contiguous [rows, kend] slabs.
    sbuf = np.empty(block * n, dtype=np.float32)
    masks = {}  # rows -> strict-upper-triangle mask for the diagonal block (causal only)
    for b in range(B):
        for h in range(H):
            Q, K, V, O = q[b, h], k[b, h], v[b, h], out[b, h]
            for r0 in range(0, n, block):
                r1 = min(r0 + block, n)
                rows = r1 - r0
                kend = r1 if causal else n
                S = sbuf[: rows * kend].reshape(rows, kend)
                np.matmul(Q[r0:r1], K[:kend].T, out=S)
                S *= scale
                if causal:
                    m = masks.get(rows)
                    if m is None:
                        m = masks[rows] = np.triu(np.ones((rows, rows), dtype=bool), 1)
                    np.copyto(S[:, r0:r1], np.float32(-np.inf), where=m)
                rowmax = S.max(axis=1, keepdims=True)
                S -= rowmax
                np.exp(S, out=S)
                rowsum = S.sum(axis=1, keepdims=True)
                Ob = O[r0:r1]
                np.matmul(S, V[:kend], out=Ob)
                Ob /= rowsum
    return out


def naive_attention_f64(q, k, v, causal=False):
    """Reference: full-softmax attention in float64 (materialises n x n)."""
    q, k, v = (x.astype(np.float64) for x in (q, k, v))
    n, d = q.shape[-2], q.shape[-1]
    s = (q @ np.swapaxes(k, -1, -2)) / math.sqrt(d)
    if causal:
        s = np.where(np.triu(np.ones((n, n), dtype=bool), 1), -np.inf, s)
    s = s - s.max(axis=-1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(axis=-1, keepdims=True)
    return p @ v


def make_inputs(batch, heads, n, d, seed):
    rng = np.random.default_rng(seed)
    shape = (batch, heads, n, d)
    return tuple(rng.standard_normal(shape, dtype=np.float32) for _ in range(3))


def forward_flops(batch, heads, n, d, causal):
    f = 4.0 * batch * heads * n * n * d
    return f / 2 if causal else f


# --------------------------------------------------------------------------------------------
# Environment description
# --------------------------------------------------------------------------------------------

def _loaded_libs(word):
    try:
        with open("/proc/self/maps") as f:
            return sorted({ln.split()[-1] for ln in f if word in ln and "/" in ln})
    except OSError:
        return []


def blas_info():
    """Return (summary string, detail dict) for the BLAS that numpy actually loaded."""
    env = {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                           "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    detail = {"env": env}
    # 1) threadpoolctl, if installed.
    try:
        from threadpoolctl import threadpool_info
        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            p = pools[0]
            detail["source"] = "threadpoolctl"
            detail["pools"] = pools
            summary = "%s %s (%s, %s threads)" % (p.get("internal_api"), p.get("version"),
                                                  p.get("architecture"), p.get("num_threads"))
            return summary, detail
    except Exception:  # not installed, or failed: fall through
        pass
    # 2) Ask a loaded libopenblas directly.
    for path in _loaded_libs("libopenblas"):
        try:
            import ctypes
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            core = lib.openblas_get_corename().decode()
            config = lib.openblas_get_config().decode()
            nthreads = lib.openblas_get_num_threads()
            detail.update(source="libopenblas via ctypes", filepath=path, corename=core,
                          config=config, num_threads=nthreads)
            return "%s (%s, %d threads)" % (config.split(" NO_")[0].split(" DYNAMIC")[0], core,
                                            nthreads), detail
        except Exception:
            continue
    # 3) numpy's build configuration.
    try:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            np.show_config()
        text = buf.getvalue()
        detail["source"] = "np.show_config"
        detail["show_config"] = text
        libs = _loaded_libs("blas")
        if libs:
            detail["loaded"] = libs
            return os.path.basename(libs[-1]), detail
        for line in text.splitlines():
            if "libraries" in line or "name:" in line:
                return line.strip(), detail
    except Exception:
        pass
    return "unknown", detail


# --------------------------------------------------------------------------------------------
# Benchmark driver
# --------------------------------------------------------------------------------------------

def time_case(batch, heads, n, d, causal, block, seed, repeat_seconds, min_samples):
    q, k, v = make_inputs(batch, heads, n, d, seed)
    out = np.empty_like(q)
    t0 = time.perf_counter()
    blocked_attention(q, k, v, block, causal, out)  # warm-up
    warmup_s = time.perf_counter() - t0
    samples = []
    start = time.perf_counter()
    while len(samples) < min_samples or time.perf_counter() - start < repeat_seconds:
        t0 = time.perf_counter()
        blocked_attention(q, k, v, block, causal, out)
        samples.append(time.perf_counter() - t0)
    if not np.isfinite(out).all():
        raise RuntimeError("non-finite output for n=%d" % n)
    med = statistics.median(samples)
    flops = forward_flops(batch, heads, n, d, causal)
    return {
        "n": n, "batch": batch, "heads": heads, "d": d, "causal": causal, "block": block,
        "samples_s": samples, "median_s": med, "min_s": min(samples), "warmup_s": warmup_s,
        "flops": flops, "gflops": flops / med / 1e9,
    }


def run_check(args):
    """Compare the blocked kernel with a naive float64 full softmax at small n."""
    worst = 0.0
    ok = True
    # A small block so that several blocks (including a ragged last one) are exercised.
    block = min(args.block, 128)
    for n in parse_int_list(args.check_n):
        for causal in (False, True):
            q, k, v = make_inputs(args.batch, args.heads, n, args.d, args.seed)
            got = blocked_attention(q, k, v, block, causal)
            ref = naive_attention_f64(q, k, v, causal)
            err = float(np.max(np.abs(got.astype(np.float64) - ref)))
            worst = max(worst, err)
            bad = not (err <= args.check_tol)
            ok &= not bad
            print("check n=%-5d block=%-4d causal=%-5s max_abs_err=%.3e %s"
                  % (n, block, causal, err, "FAIL" if bad else "ok"), flush=True)
    print("check %s: worst max_abs_err=%.3e (tolerance %.1e)"
          % ("passed" if ok else "FAILED", worst, args.check_tol), flush=True)
    return ok


def parse_int_list(s):
    return [int(x) for x in str(s).replace(" ", "").split(",") if x]


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Exact blocked attention in NumPy float32 (CPU peer benchmark for HyperBench). "
                    "FLOPs = 4*batch*heads*n^2*d (causal: half). Unset OPENBLAS_CORETYPE and "
                    "OPENBLAS_L2_SIZE in the calling command for peak BLAS speed.")
    ap.add_argument("--n", default="4096,16384", help="comma list of sequence lengths (default 4096,16384)")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--d", type=int, default=64, help="head dimension")
    ap.add_argument("--block", type=int, default=1024, help="query rows per block (default 1024)")
    ap.add_argument("--causal", action="store_true",
                    help="causal mask: skip key columns above each block's last row, mask the diagonal block")
    ap.add_argument("--repeat-seconds", type=float, default=2.0,
                    help="keep sampling until this much time is spent (default 2.0)")
    ap.add_argument("--min-samples", type=int, default=3, help="at least this many timed samples (default 3)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", metavar="PATH", help="write results as JSON to PATH")
    ap.add_argument("--check", action="store_true",
                    help="only run the correctness self-test: blocked vs naive float64 full softmax "
                         "(both causal and non-causal) at --check-n; exit 1 if max abs error > --check-tol")
    ap.add_argument("--check-n", default="256,300", help="sequence lengths for --check (default 256,300)")
    ap.add_argument("--check-tol", type=float, default=1e-4, help="tolerance for --check (default 1e-4)")
    args = ap.parse_args(argv)

    if args.check:
        return 0 if run_check(args) else 1

    blas, blas_detail = blas_info()
    doc = {
        "tool": "numpy",
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "blas": blas,
        "blas_detail": blas_detail,
        "threads": os.cpu_count(),
        "machine": platform.machine(),
        "block": args.block,
        "seed": args.seed,
        "results": [],
    }
    print("numpy %s, BLAS: %s, cpu_count=%s" % (np.__version__, blas, os.cpu_count()), flush=True)
    print("%7s %5s %6s %4s %6s %8s %11s %11s %9s"
          % ("n", "batch", "heads", "d", "causal", "samples", "median_s", "min_s", "GFLOP/s"), flush=True)
    for n in parse_int_list(args.n):
        r = time_case(args.batch, args.heads, n, args.d, args.causal, args.block, args.seed,
                      args.repeat_seconds, args.min_samples)
        doc["results"].append(r)
        print("%7d %5d %6d %4d %6s %8d %11.5f %11.5f %9.2f"
              % (n, r["batch"], r["heads"], r["d"], r["causal"], len(r["samples_s"]),
                 r["median_s"], r["min_s"], r["gflops"]), flush=True)

    if args.json:
        d = os.path.dirname(os.path.abspath(args.json))
        os.makedirs(d, exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
