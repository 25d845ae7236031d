#!/usr/bin/env python3
"""GPU peer benchmark for HyperBench: torch.nn.functional.scaled_dot_product_attention
(and flash_attn.flash_attn_func when that package is importable).

Conventions (HyperBench spec): q, k, v are [batch, heads, n, d] (flash_attn uses [batch, n, heads, d]),
scale = 1/sqrt(d) (the SDPA default), forward FLOPs = 4*batch*heads*n^2*d, causal = half of that,
forward+backward = 3.5x forward, backward alone (bwd) = 2.5x forward.  bwd times the backward only: the forward runs once,
untimed, and every timed call differentiates its kept graph (retain_graph), as HyperBench's bwd pass does.  Times are reported in milliseconds, every sample plus the median.

Timing: triton.testing.do_bench (it flushes L2 before every sample and returns ms); when triton is
not importable, CUDA events with a 256 MiB L2 flush before every sample.

SDPA backend: for every case the backends are tried in the order FLASH_ATTENTION,
EFFICIENT_ATTENTION, MATH (see --backends); the first one that runs is timed and recorded.
MATH is skipped for n > 16384 because it materialises n x n matrices.

Errors (OOM, unsupported dtype, ...) are recorded per case in the JSON; the run goes on.
--max-seconds bounds the run: no new case starts once it is spent, and a case whose projected
time does not fit in what is left is skipped; both are recorded.  The JSON is rewritten after
every case, so a run that gets killed still leaves its finished cases behind.

torch is imported inside main(), so `--help` and imports work on a machine without torch.

Example:
    python3 infra/gpu/torch_sdpa.py --n 4096,16384 --dtypes float16 --causal both --json /tmp/sdpa.json
"""

import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
import warnings

DEFAULT_N = "4096,8192,16384,32768,65536,131072"
MATH_MAX_N = 16384
MATH_SKIP_MSG = "skipped: math backend would need n^2 memory"
BACKEND_NAMES = {"flash": "FLASH_ATTENTION", "efficient": "EFFICIENT_ATTENTION",
                 "math": "MATH", "cudnn": "CUDNN_ATTENTION"}
# do_bench makes at least 1 + 5 (estimate) + 1 (warm-up) + 1 (sample) calls.
DO_BENCH_MIN_CALLS = 8
EVENTS_MIN_CALLS = 4  # our own timer: 1 warm-up + 3 samples at least


def forward_flops(batch, heads, n, d, causal):
    f = 4.0 * batch * heads * n * n * d
    return f / 2 if causal else f


def case_flops(batch, heads, n, d, causal, pass_):
    f = forward_flops(batch, heads, n, d, causal)
    return f * {"fwdbwd": 3.5, "bwd": 2.5}.get(pass_, 1.0)


def write_json(path, doc):
    """Write doc to path atomically (temp file + rename); no-op when path is empty."""
    if not path:
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def parse_list(s):
    return [x for x in str(s).replace(" ", "").split(",") if x]


def build_parser():
    ap = argparse.ArgumentParser(
        description="Time torch SDPA (and flash_attn if importable) for HyperBench. "
                    "FLOPs = 4*batch*heads*n^2*d (causal: half; fwd+bwd: 3.5x; bwd: 2.5x).")
    ap.add_argument("--n", default=DEFAULT_N, help="comma list of sequence lengths (default %s)" % DEFAULT_N)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--heads", type=int, default=32)
    ap.add_argument("--d", type=int, default=64, help="head dimension")
    ap.add_argument("--dtypes", default="float32,float16,bfloat16", help="comma list (default float32,float16,bfloat16)")
    ap.add_argument("--causal", choices=["both", "true", "false"], default="both")
    ap.add_argument("--pass", dest="passes", default="fwd,fwdbwd", help="comma list of fwd, bwd (backward alone), fwdbwd (default fwd,fwdbwd)")
    ap.add_argument("--backends", default="flash,efficient,math",
                    help="SDPA backends to try, in order; the first that runs is timed "
                         "(choices flash,efficient,math,cudnn; default flash,efficient,math)")
    ap.add_argument("--no-flash-attn", action="store_true", help="do not time flash_attn even if importable")
    ap.add_argument("--warmup-ms", type=float, default=25.0, help="do_bench warm-up time in ms (default 25)")
    ap.add_argument("--rep-ms", type=float, default=100.0, help="do_bench measuring time in ms (default 100)")
    ap.add_argument("--max-seconds", type=float, default=240.0,
                    help="time budget for the whole run; no case starts after it is spent (default 240)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", metavar="PATH", help="write results as JSON to PATH (rewritten after every case)")
    return ap


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------

def make_timer(torch, warmup_ms, rep_ms):
    """Return (name, fn(callable, max_calls) -> list of ms samples)."""
    try:
        import triton.testing as tt
        do_bench = tt.do_bench
    except Exception:
        do_bench = None

    if do_bench is not None:
        def time_do_bench(fn):
            try:
                res = do_bench(fn, warmup=warmup_ms, rep=rep_ms, return_mode="all")
            except (AssertionError, TypeError, ValueError):
                # Older triton: no return_mode="all"; fall back to the median only.
                try:
                    res = do_bench(fn, warmup=warmup_ms, rep=rep_ms, return_mode="median")
                except (AssertionError, TypeError, ValueError):
                    res = do_bench(fn, warmup=warmup_ms, rep=rep_ms, quantiles=[0.5])
            if isinstance(res, (list, tuple)):
                return [float(x) for x in res]
            return [float(res)]
        return "triton.testing.do_bench", time_do_bench, DO_BENCH_MIN_CALLS

    flush = torch.empty(256 * 1024 * 1024, dtype=torch.int8, device="cuda")

    def time_events(fn):
        fn()
        torch.cuda.synchronize()
        # Estimate one call.
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        fn()
        e.record()
        torch.cuda.synchronize()
        est = max(s.elapsed_time(e), 1e-3)
        n_warm = max(1, int(warmup_ms / est))
        n_rep = min(10000, max(3, int(rep_ms / est)))
        for _ in range(n_warm):
            fn()
        starts = [torch.cuda.Event(enable_timing=True) for _ in range(n_rep)]
        ends = [torch.cuda.Event(enable_timing=True) for _ in range(n_rep)]
        for i in range(n_rep):
            flush.zero_()
            starts[i].record()
            fn()
            ends[i].record()
        torch.cuda.synchronize()
        return [s.elapsed_time(e) for s, e in zip(starts, ends)]
    return "cuda_events", time_events, EVENTS_MIN_CALLS


def time_one_call(torch, fn):
    """Run fn once (this also serves as the backend probe) and return its wall time in seconds."""
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return time.perf_counter() - t0


# --------------------------------------------------------------------------------------------
# Backend selection
# --------------------------------------------------------------------------------------------

def backend_context_factory(torch):
    """Return fn(name) -> context manager restricting SDPA to one backend, or raising if unknown."""
    try:
        from torch.nn.attention import SDPBackend, sdpa_kernel

        def ctx(name):
            return sdpa_kernel([getattr(SDPBackend, BACKEND_NAMES[name])])
        return ctx
    except ImportError:
        pass

    def ctx_old(name):  # torch < 2.3
        flags = dict(enable_flash=name == "flash", enable_math=name == "math",
                     enable_mem_efficient=name == "efficient")
        if name == "cudnn":
            raise RuntimeError("cudnn backend selection needs torch.nn.attention.sdpa_kernel")
        return torch.backends.cuda.sdp_kernel(**flags)
    return ctx_old


def short_error(exc, limit=400):
    msg = "%s: %s" % (type(exc).__name__, str(exc).strip().replace("\n", " "))
    return msg if len(msg) <= limit else msg[:limit] + "..."


def is_oom(torch, exc):
    oom = getattr(torch.cuda, "OutOfMemoryError", None)
    return (oom is not None and isinstance(exc, oom)) or "out of memory" in str(exc).lower()


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------

class Runner:
    def __init__(self, torch, args, doc):
        self.torch = torch
        self.args = args
        self.doc = doc
        self.t_start = time.perf_counter()
        self.timer_name, self.timer, self.min_calls = make_timer(torch, args.warmup_ms, args.rep_ms)
        self.backend_ctx = backend_context_factory(torch)
        doc["timer"] = self.timer_name

    # budget ------------------------------------------------------------------------------------
    def remaining(self):
        return self.args.max_seconds - (time.perf_counter() - self.t_start)

    # output ------------------------------------------------------------------------------------
    def record(self, r):
        self.doc["results"].append(r)
        ms = "%.4f" % r["median_ms"] if r.get("median_ms") is not None else "-"
        tf = "%.2f" % r["tflops"] if r.get("tflops") is not None else "-"
        err = r.get("error") or ""
        print("%-10s %-20s %-9s %7d %5s %-6s %12s %9s %s"
              % (r["impl"], r.get("backend") or "-", r["dtype"], r["n"], r["causal"], r["pass"],
                 ms, tf, err), flush=True)
        self.write_json()

    def write_json(self):
        if not self.args.json:
            return
        self.doc["elapsed_s"] = time.perf_counter() - self.t_start
        write_json(self.args.json, self.doc)

    def base(self, impl, dtype, n, causal, pass_):
        a = self.args
        return {"impl": impl, "backend": None, "dtype": dtype, "n": n, "batch": a.batch,
                "heads": a.heads, "d": a.d, "causal": causal, "pass": pass_,
                "median_ms": None, "tflops": None, "samples_ms": None, "timer": None,
                "flops": case_flops(a.batch, a.heads, n, a.d, causal, pass_), "error": None}

    def finish(self, r, samples):
        med = statistics.median(samples)
        r.update(samples_ms=samples, median_ms=med, timer=self.timer_name,
                 tflops=r["flops"] / (med * 1e-3) / 1e12 if med > 0 else None)

    def measure(self, r, fn, probe_s):
        """Time fn unless its projected cost does not fit in the remaining budget."""
        need = probe_s * self.min_calls
        left = self.remaining()
        r["probe_s"] = probe_s
        if need > left:
            r["error"] = ("skipped: one call takes %.2f s, timing needs ~%.0f s, %.0f s left of --max-seconds"
                          % (probe_s, need, max(left, 0.0)))
            return
        self.finish(r, self.timer(fn))

    # inputs ------------------------------------------------------------------------------------
    def inputs(self, dtype, n, pass_, layout_bnhd=False):
        torch = self.torch
        a = self.args
        shape = (a.batch, n, a.heads, a.d) if layout_bnhd else (a.batch, a.heads, n, a.d)
        g = torch.Generator(device="cuda")
        g.manual_seed(a.seed)
        need_grad = pass_ in ("fwdbwd", "bwd")
        q, k, v = (torch.randn(shape, device="cuda", dtype=dtype, generator=g).requires_grad_(need_grad)
                   for _ in range(3))
        grad = torch.randn(shape, device="cuda", dtype=dtype, generator=g) if need_grad else None
        return q, k, v, grad

    # SDPA --------------------------------------------------------------------------------------
    def run_sdpa(self, dtype_name, n, causal, pass_):
        torch = self.torch
        F = torch.nn.functional
        r = self.base("sdpa", dtype_name, n, causal, pass_)
        attempts = []
        r["attempts"] = attempts
        try:
            q, k, v, grad = self.inputs(getattr(torch, dtype_name), n, pass_)
        except Exception as exc:  # OOM while allocating inputs
            r["error"] = ("OOM: " if is_oom(torch, exc) else "") + short_error(exc)
            return r

        kept = {}  # bwd: the untimed forward's output, made under the backend being tried (cleared per attempt)
        if pass_ == "fwd":
            def fn():
                with torch.no_grad():
                    return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        elif pass_ == "bwd":
            def fn():
                if "out" not in kept:
                    kept["out"] = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
                return torch.autograd.grad(kept["out"], (q, k, v), grad, retain_graph=True)
        else:
            def fn():
                out = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
                return torch.autograd.grad(out, (q, k, v), grad)

        for name in parse_list(self.args.backends):
            bname = BACKEND_NAMES.get(name, name)
            if name == "math" and n > MATH_MAX_N:
                attempts.append({"backend": bname, "error": MATH_SKIP_MSG})
                continue
            attempt = {"backend": bname, "error": None}
            attempts.append(attempt)
            kept.clear()
            caught = []
            try:
                with self.backend_ctx(name):
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always")
                        probe_s = time_one_call(torch, fn)  # raises if the backend cannot run this case
                    r["backend"] = bname
                    self.measure(r, fn, probe_s)
            except Exception as exc:
                attempt["error"] = ("OOM: " if is_oom(torch, exc) else "") + short_error(exc)
                r["backend"] = None
                r["median_ms"] = r["tflops"] = r["samples_ms"] = None
            # SDPA explains in warnings why a backend was not usable; keep those reasons.
            reasons = sorted({str(w.message).strip().replace("\n", " ")[:300] for w in caught})
            if reasons:
                attempt["warnings"] = reasons
            if r["backend"] is not None:
                break
            gc.collect()
            torch.cuda.empty_cache()
        if r["backend"] is None and r["error"] is None:
            r["error"] = "no backend ran: " + "; ".join(
                "%s: %s" % (x["backend"], x["error"]) for x in attempts)
        return r

    # flash_attn --------------------------------------------------------------------------------
    def run_flash_attn(self, flash_attn_func, fa_version, dtype_name, n, causal, pass_):
        torch = self.torch
        r = self.base("flash_attn", dtype_name, n, causal, pass_)
        r["backend"] = "flash_attn " + fa_version
        r["layout"] = "bnhd"
        try:
            q, k, v, grad = self.inputs(getattr(torch, dtype_name), n, pass_, layout_bnhd=True)
            scale = 1.0 / math.sqrt(self.args.d)

            def call():
                out = flash_attn_func(q, k, v, softmax_scale=scale, causal=causal)
                return out[0] if isinstance(out, (tuple, list)) else out

            kept = {}
            if pass_ == "fwd":
                def fn():
                    with torch.no_grad():
                        return call()
            elif pass_ == "bwd":
                def fn():
                    if "out" not in kept:
                        kept["out"] = call()
                    return torch.autograd.grad(kept["out"], (q, k, v), grad, retain_graph=True)
            else:
                def fn():
                    return torch.autograd.grad(call(), (q, k, v), grad)
            probe_s = time_one_call(torch, fn)
            self.measure(r, fn, probe_s)
        except Exception as exc:
            r["error"] = ("OOM: " if is_oom(torch, exc) else "") + short_error(exc)
            r["median_ms"] = r["tflops"] = r["samples_ms"] = None
        return r


def main(argv=None):
    args = build_parser().parse_args(argv)
    t_start = time.perf_counter()

    import torch  # imported here so that --help works without torch

    ns = [int(x) for x in parse_list(args.n)]
    dtypes = parse_list(args.dtypes)
    causals = {"both": [False, True], "true": [True], "false": [False]}[args.causal]
    passes = parse_list(args.passes)
    for p in passes:
        if p not in ("fwd", "bwd", "fwdbwd"):
            sys.exit("--pass: unknown pass %r (use fwd, bwd, fwdbwd)" % p)
    for b in parse_list(args.backends):
        if b not in BACKEND_NAMES:
            sys.exit("--backends: unknown backend %r (use %s)" % (b, ",".join(BACKEND_NAMES)))
    for dt in dtypes:
        if not isinstance(getattr(torch, dt, None), torch.dtype):
            sys.exit("--dtypes: unknown torch dtype %r" % dt)

    doc = {"tool": "torch", "torch_version": torch.__version__, "cuda": torch.version.cuda,
           "device_name": None, "python_version": platform.python_version(),
           "argv": sys.argv[1:] if argv is None else list(argv), "max_seconds": args.max_seconds,
           "budget_exhausted": False, "results": []}
    if not torch.cuda.is_available():
        doc["error"] = "CUDA is not available"
        print("error: CUDA is not available", file=sys.stderr, flush=True)
        write_json(args.json, doc)
        return 2

    props = torch.cuda.get_device_properties(0)
    doc.update(device_name=torch.cuda.get_device_name(0),
               capability="%d.%d" % (props.major, props.minor),
               total_memory_gib=props.total_memory / 2**30,
               cudnn=torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
               allow_tf32_matmul=torch.backends.cuda.matmul.allow_tf32)
    try:
        import triton
        doc["triton_version"] = triton.__version__
    except Exception as exc:
        doc["triton_version"] = None
        doc["triton_error"] = short_error(exc)

    flash_attn_func, fa_version = None, None
    if not args.no_flash_attn:
        try:
            import flash_attn
            from flash_attn import flash_attn_func
            fa_version = getattr(flash_attn, "__version__", "unknown")
        except Exception as exc:
            doc["flash_attn_error"] = short_error(exc)
    doc["flash_attn_version"] = fa_version

    runner = Runner(torch, args, doc)
    runner.t_start = t_start
    print("torch %s, CUDA %s, %s, triton %s, flash_attn %s, timer %s"
          % (torch.__version__, torch.version.cuda, doc["device_name"], doc["triton_version"],
             fa_version, runner.timer_name), flush=True)
    print("%-10s %-20s %-9s %7s %5s %-6s %12s %9s %s"
          % ("impl", "backend", "dtype", "n", "causal", "pass", "median_ms", "TFLOP/s", "error"), flush=True)

    torch.manual_seed(args.seed)
    # Cheapest cases first (n ascending), so the budget cuts off the largest ones.
    for n in ns:
        for dtype_name in dtypes:
            for causal in causals:
                for pass_ in passes:
                    jobs = [("sdpa", None)]
                    if flash_attn_func is not None and dtype_name in ("float16", "bfloat16"):
                        jobs.append(("flash_attn", None))
                    for impl, _ in jobs:
                        if runner.remaining() <= 0:
                            doc["budget_exhausted"] = True
                            r = runner.base(impl, dtype_name, n, causal, pass_)
                            r["error"] = "skipped: --max-seconds budget (%.0f s) exhausted" % args.max_seconds
                            runner.record(r)
                            continue
                        if impl == "sdpa":
                            r = runner.run_sdpa(dtype_name, n, causal, pass_)
                        else:
                            r = runner.run_flash_attn(flash_attn_func, fa_version, dtype_name, n, causal, pass_)
                        runner.record(r)
                        gc.collect()
                        torch.cuda.empty_cache()
    runner.write_json()
    print("done in %.1f s%s" % (time.perf_counter() - t_start,
                                " (budget exhausted)" if doc["budget_exhausted"] else ""), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
