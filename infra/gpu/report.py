#!/usr/bin/env python3
"""Joins a HyperBench kernels-bench report and a torch_sdpa.py report into one JSON and a markdown table:
TFLOP/s per case, and our kernel as a fraction of torch SDPA at the same dtype."""
import argparse
import json
import os


def load(path):
    if not path or not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hyperbench", required=True)
    ap.add_argument("--torch")
    ap.add_argument("--markdown", required=True)
    ap.add_argument("--json", required=True)
    a = ap.parse_args()
    hb = load(a.hyperbench) or {"cases": []}
    th = load(a.torch) or {"results": []}
    env = hb.get("environment", {})

    torch_by = {}
    for r in th.get("results", []):
        if r.get("impl") != "sdpa" or r.get("error"):
            continue
        torch_by[(r["dtype"], r["n"], bool(r["causal"]), r["pass"])] = r

    rows = []
    for c in hb.get("cases", []):
        key_pass = "fwdbwd" if c["pass"] == "fwdbwd" else "fwd"
        t32 = torch_by.get(("float32", c["n"], c["causal"], key_pass))
        t16 = torch_by.get(("bfloat16", c["n"], c["causal"], key_pass))
        med = (c.get("statistics") or {}).get("median")
        rows.append({
            "kernel": c.get("kernel", "flash"),
            "n": c["n"], "causal": c["causal"], "pass": c["pass"], "status": c["status"],
            "hyperbench_median_ms": med * 1e3 if med else None,
            "hyperbench_tflops": c.get("tflops") if med else None,
            "torch_fp32_backend": t32.get("backend") if t32 else None,
            "torch_fp32_median_ms": t32.get("median_ms") if t32 else None,
            "torch_fp32_tflops": t32.get("tflops") if t32 else None,
            "ratio_to_torch_fp32": (t32["median_ms"] / (med * 1e3)) if (t32 and med and c.get("kernel", "flash") == "flash") else None,
            "torch_bf16_tflops": t16.get("tflops") if t16 else None,
            "error": c.get("error"),
        })

    # HyperAttention next to flash on the same case: speed-up = time(flash) / time(hyper), and its error against flash.
    flash_by = {(r["n"], r["causal"], r["pass"]): r for r in rows if r["kernel"] == "flash"}
    hyper_rows = []
    for c in hb.get("cases", []):
        if c.get("kernel") != "hyper":
            continue
        f = flash_by.get((c["n"], c["causal"], c["pass"]))
        med = (c.get("statistics") or {}).get("median")
        metrics = {m["tensor"]: m for m in ((c.get("accuracy") or {}).get("metrics") or [])}
        hyper_rows.append({
            "n": c["n"], "causal": c["causal"], "pass": c["pass"], "status": c["status"],
            "flash_median_ms": f["hyperbench_median_ms"] if f else None,
            "hyper_median_ms": med * 1e3 if med else None,
            "speedup": (f["hyperbench_median_ms"] / (med * 1e3)) if (f and f["hyperbench_median_ms"] and med) else None,
            "o_rel_frobenius": metrics.get("o", {}).get("relative_frobenius"),
            "o_spectral_over_v": metrics.get("o", {}).get("spectral_over_v"),
            "dq_rel_frobenius": metrics.get("dq", {}).get("relative_frobenius"),
            "heads_measured": (c.get("accuracy") or {}).get("heads_measured"),
        })

    fmt = lambda x, f="{:.2f}": "-" if x is None else f.format(x)
    lines = [
        f"# HyperBench flash and hyper (ILGPU, fp32) vs torch SDPA",
        "",
        f"Device: {env.get('device_name', '?')} ({env.get('device_detail', '?')}); HyperBench {env.get('hyper_bench_version', '?')} commit {env.get('git_commit', '?')}; "
        f"torch {th.get('torch_version', '?')} CUDA {th.get('cuda', '?')}.",
        "batch 1, heads and d as in the run; FLOPs = 4*b*h*n^2*d (causal half, fwd+bwd x3.5). Ratio = torch time / our time (1.0 = as fast as SDPA).",
        "",
        "| kernel | n | causal | pass | ours median (ms) | ours TFLOP/s | SDPA fp32 backend | SDPA fp32 (ms) | SDPA fp32 TFLOP/s | ours / SDPA fp32 | SDPA bf16 TFLOP/s | status |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['kernel']} | {r['n']} | {'yes' if r['causal'] else 'no'} | {r['pass']} | {fmt(r['hyperbench_median_ms'])} | {fmt(r['hyperbench_tflops'])} | "
                     f"{r['torch_fp32_backend'] or '-'} | {fmt(r['torch_fp32_median_ms'])} | {fmt(r['torch_fp32_tflops'])} | {fmt(r['ratio_to_torch_fp32'], '{:.3f}')} | "
                     f"{fmt(r['torch_bf16_tflops'])} | {r['status']}{(': ' + r['error'][:80]) if r['error'] else ''} |")
    if hyper_rows:
        lines += ["", "## HyperAttention vs flash (same device, same inputs)", "",
                  "| n | causal | pass | flash (ms) | hyper (ms) | speed-up | O rel. err | ‖E‖₂/‖V‖₂ | dQ rel. err | heads measured | status |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in hyper_rows:
            lines.append(f"| {r['n']} | {'yes' if r['causal'] else 'no'} | {r['pass']} | {fmt(r['flash_median_ms'])} | {fmt(r['hyper_median_ms'])} | "
                         f"{fmt(r['speedup'], '{:.1f}x')} | {fmt(r['o_rel_frobenius'], '{:.3f}')} | {fmt(r['o_spectral_over_v'], '{:.3f}')} | "
                         f"{fmt(r['dq_rel_frobenius'], '{:.3f}')} | {r['heads_measured'] or '-'} | {r['status']} |")
    with open(a.markdown, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(a.json, "w") as f:
        json.dump({"environment": env, "torch": {k: th.get(k) for k in ("torch_version", "cuda", "device_name")}, "rows": rows, "hyper": hyper_rows}, f, indent=2)


if __name__ == "__main__":
    main()
