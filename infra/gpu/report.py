#!/usr/bin/env python3
"""Joins HyperBench sweep results (`hyperbench results ID --format json`, one file per sweep) and torch_sdpa.py reports
into one JSON and a markdown summary: TFLOP/s per case, ours as a fraction of torch SDPA at the case's dtype (fp32 and tf32x3
against SDPA fp32, which runs on tensor cores as 3xTF32 or not as torch decides; bf16 against SDPA bf16; fp16 against SDPA
fp16), a per-dtype table of flash's ratio per n, HyperAttention's speed-up over our flash and its error, the heads each case
ran with, and the grid cases that did not run or ran cut down.

Ratios are TFLOP/s over TFLOP/s (= torch time / our time when both ran the same shape), so a case run at fewer heads than
the torch case it is compared with still compares like with like; the table marks such pairs.
HyperAttention's rows show flash and hyper median and 20th percentile (what the paper's authors report), the speed-up over
our flash from each, and, where SDPA ran the same shape at the same dtype, the speed-up over SDPA (SDPA median / hyper median).
--preset names the preset the sweep ran (bench.sh HB_PRESET=paper) in the summary's heading.
Standard library only (runs with any python3)."""
import argparse
import json
import os


def load(path):
    if not path or not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as exc:
        print(f"report.py: cannot read {path}: {exc}")
        return None


def parse_ints(text):
    out = []
    for x in str(text or "").replace(" ", "").split(","):
        if x:
            out.append(int(x[:-1]) * 1024 if x.lower().endswith("k") else int(x))
    return out


def parse_causal(text):
    return {"both": [False, True], "true": [True], "false": [False]}[str(text).lower()]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sweep", action="append", default=[], help="a `hyperbench results ID --format json` file (repeatable)")
    ap.add_argument("--sweeps", help="`hyperbench results --format json` listing: status of each sweep (optional)")
    ap.add_argument("--torch", action="append", default=[], help="a torch_sdpa.py JSON (repeatable)")
    ap.add_argument("--env", help="a `kernels bench --json` report, for the environment block (device, commit)")
    ap.add_argument("--grid-kernels", default="flash,hyper")
    ap.add_argument("--grid-n", default="", help="the planned lengths; cases of this grid with no result are listed as not run")
    ap.add_argument("--grid-causal", default="both")
    ap.add_argument("--grid-pass", default="fwd,fwdbwd")
    ap.add_argument("--grid-main-dtypes", default="fp32", help="the dtypes of the planned grid (--grid-n x kernels x causal x pass)")
    ap.add_argument("--preset", help="the preset the sweep ran (`sweep --preset`), named in the heading")
    ap.add_argument("--grid-dtypes", default="", help="the planned tensor-core dtypes, besides fp32")
    ap.add_argument("--grid-dtype-n", default="", help="the planned lengths of the dtype sweep (fwd)")
    ap.add_argument("--grid-dtype-bwd-n", default="", help="the planned lengths of the dtype sweep's fwdbwd part")
    ap.add_argument("--heads", type=int, help="the planned heads; cases that ran with fewer are listed as cut")
    ap.add_argument("--markdown", required=True)
    ap.add_argument("--json", required=True)
    a = ap.parse_args()

    env = ((load(a.env) or {}).get("environment")) or {}
    sweeps = load(a.sweeps) or []
    cases = []
    for path in a.sweep:
        doc = load(path)
        if not isinstance(doc, list):
            continue
        sweep_id = os.path.basename(path)[len("sweep-"):-len(".json")] if os.path.basename(path).startswith("sweep-") else path
        for c in doc:
            c = dict(c)
            c["sweep_id"] = sweep_id
            cases.append(c)

    torch_docs = [d for d in (load(p) for p in a.torch) if d]
    torch_by = {}
    for d in torch_docs:
        for r in d.get("results", []):
            if r.get("impl") != "sdpa" or r.get("error") or not r.get("tflops"):
                continue
            torch_by.setdefault((r["dtype"], r["n"], bool(r["causal"]), r["pass"]), []).append(r)

    def sdpa(dtype, c):
        cands = torch_by.get((dtype, c["n"], bool(c["causal"]), c["pass"])) or []
        same = [r for r in cands if r.get("heads") == c["heads"] and r.get("batch", 1) == c["batch"] and r.get("d") == c["d"]]
        return (same or cands or [None])[0]

    ms = lambda s: s * 1e3 if s else None
    # The SDPA a case is compared with: the same storage type (tf32x3 is our fp32 on tensor cores: SDPA fp32 is its baseline).
    baseline = {"fp32": "float32", "tf32x3": "float32", "bf16": "bfloat16", "fp16": "float16"}
    rows = []
    for c in cases:
        dtype = c.get("dtype") or "fp32"
        t32, t16 = sdpa("float32", c), sdpa("bfloat16", c)
        same = sdpa(baseline.get(dtype, "float32"), c)
        ours = c.get("tflops") if c.get("median_seconds") else None
        rows.append({
            "sweep_id": c["sweep_id"], "kernel": c["kernel"], "n": c["n"], "causal": c["causal"], "pass": c["pass"], "dtype": dtype,
            "batch": c["batch"], "heads": c["heads"], "d": c["d"], "device": c.get("device"), "status": c["status"],
            "median_ms": ms(c.get("median_seconds")), "p20_ms": ms(c.get("p20_seconds")), "samples": c.get("samples"), "tflops": ours,
            "relative_error": c.get("relative_error"),
            "sdpa_dtype": baseline.get(dtype, "float32"),
            "sdpa_backend": same.get("backend") if same else None,
            "sdpa_heads": same.get("heads") if same else None,
            "sdpa_median_ms": same.get("median_ms") if same else None,
            "sdpa_tflops": same.get("tflops") if same else None,
            "ratio_to_sdpa": ours / same["tflops"] if (ours and same) else None,
            "sdpa_fp32_tflops": t32.get("tflops") if t32 else None,
            "ratio_to_sdpa_fp32": ours / t32["tflops"] if (ours and t32) else None,
            "sdpa_bf16_tflops": t16.get("tflops") if t16 else None,
            "ratio_to_sdpa_bf16": ours / t16["tflops"] if (ours and t16) else None,
            "error": c.get("error"),
        })
    order = {d: i for i, d in enumerate(["fp32", "tf32x3", "bf16", "fp16"])}
    rows.sort(key=lambda r: (r["kernel"] != "flash", order.get(r["dtype"], 9), r["causal"], r["pass"], r["n"]))

    # HyperAttention next to our flash: speed-up = flash median / hyper median (same sweep: same inputs, heads, device, dtype).
    flash_by = {(r["sweep_id"], r["n"], r["causal"], r["pass"], r["heads"], r["dtype"]): r for r in rows if r["kernel"] == "flash"}
    hyper_rows = []
    for c in cases:
        if c["kernel"] != "hyper":
            continue
        f = flash_by.get((c["sweep_id"], c["n"], c["causal"], c["pass"], c["heads"], c.get("dtype") or "fp32"))
        hyper_ms = ms(c.get("median_seconds"))
        hyper_p20 = ms(c.get("p20_seconds"))
        speedup = c.get("speedup")
        if speedup is None and f and f["median_ms"] and hyper_ms:
            speedup = f["median_ms"] / hyper_ms
        speedup_p20 = c.get("speedup_p20")
        if speedup_p20 is None and f and f.get("p20_ms") and hyper_p20:
            speedup_p20 = f["p20_ms"] / hyper_p20
        # SDPA at the same dtype and the same shape only: a speed-up over another head count would not be one.
        dtype = c.get("dtype") or "fp32"
        same = sdpa(baseline.get(dtype, "float32"), c)
        same = same if same and same.get("heads") == c["heads"] else None
        sdpa_ms = same.get("median_ms") if same else None
        hyper_rows.append({
            "n": c["n"], "causal": c["causal"], "pass": c["pass"], "dtype": dtype, "heads": c["heads"], "status": c["status"],
            "flash_median_ms": f["median_ms"] if f else None, "flash_p20_ms": f.get("p20_ms") if f else None,
            "hyper_median_ms": hyper_ms, "hyper_p20_ms": hyper_p20, "speedup": speedup, "speedup_p20": speedup_p20,
            "sdpa_dtype": baseline.get(dtype, "float32"), "sdpa_median_ms": sdpa_ms,
            "speedup_over_sdpa": sdpa_ms / hyper_ms if (sdpa_ms and hyper_ms) else None,
            "flash_over_sdpa": sdpa_ms / f["median_ms"] if (sdpa_ms and f and f["median_ms"]) else None,
            "o_rel_frobenius": c.get("relative_error"), "spectral_over_v": c.get("spectral_over_v"),
        })
    pass_order = {p: i for i, p in enumerate(["fwd", "bwd", "fwdbwd"])}
    hyper_rows.sort(key=lambda r: (order.get(r["dtype"], 9), r["causal"], pass_order.get(r["pass"], 9), r["n"]))

    # The planned grid against what ran.
    kernels = [x for x in a.grid_kernels.split(",") if x]
    grid = [(k, n, cz, p, t) for t in [x for x in a.grid_main_dtypes.split(",") if x] for k in kernels for n in parse_ints(a.grid_n)
            for cz in parse_causal(a.grid_causal) for p in [x for x in a.grid_pass.split(",") if x]]
    grid += [(k, n, cz, p, t) for p, lengths in (("fwd", a.grid_dtype_n), ("fwdbwd", a.grid_dtype_bwd_n))
             for t in [x for x in a.grid_dtypes.split(",") if x] for k in kernels
             for n in parse_ints(lengths) for cz in parse_causal(a.grid_causal)]
    ran = {(c["kernel"], c["n"], bool(c["causal"]), c["pass"], c.get("dtype") or "fp32") for c in cases}
    not_run = [{"kernel": k, "n": n, "causal": cz, "pass": p, "dtype": t} for (k, n, cz, p, t) in grid if (k, n, cz, p, t) not in ran]
    not_ok = [r for r in rows if r["status"] != "ok"]
    cut = [r for r in rows if a.heads and r["heads"] < a.heads]

    fmt = lambda x, f="{:.2f}": "-" if x is None else f.format(x)
    yn = lambda b: "yes" if b else "no"
    device = env.get("device_name") or next((c.get("device") for c in cases if c.get("device")), "?")
    th = torch_docs[0] if torch_docs else {}
    lines = [
        "# HyperBench flash and hyper (ILGPU: fp32 SIMT, tf32x3/bf16/fp16 tensor cores) vs torch SDPA",
        "",
    ]
    if a.preset:
        lines += [f"Preset `{a.preset}` (`hyperbench sweep --preset {a.preset}`, docs/plans.md) at {a.grid_main_dtypes}, {a.heads} heads, "
                  f"n = {a.grid_n}, passes {a.grid_pass}. Baselines: our flash kernel, and torch SDPA at the same dtype on the same "
                  "device (not Triton FlashAttention, the paper's baseline, nor FlashAttention-2 as such; SDPA's flash backend is FA-2).", ""]
    lines += [
        f"Device: {device} ({env.get('device_detail', '?')}); HyperBench {env.get('hyper_bench_version', '?')} commit "
        f"{(env.get('git_commit') or '?')[:12]}; torch {th.get('torch_version', '-')} CUDA {th.get('cuda', '-')}.",
        "Ours: `hyperbench sweep`, batch 1, d 64, heads per row. FLOPs = 4*b*h*n^2*d (causal half, fwd+bwd x3.5, bwd x2.5). "
        "ours/SDPA = our TFLOP/s over SDPA's at the case's dtype (fp32 and tf32x3: SDPA fp32; bf16, fp16: SDPA bf16, fp16; "
        "1.0 = as fast); † = SDPA ran with other heads than ours. rel. err: O against our fp32 flash on the same inputs.",
        "",
    ]
    if sweeps:
        lines += ["Sweeps: " + "; ".join(f"{s.get('sweep_id')} ({s.get('tag') or '-'}) {s.get('status')}, {s.get('done')} done, "
                                          f"{s.get('failed')} failed of {s.get('cases')}" for s in sweeps), ""]
    # The closing note's figures: flash's ratio to SDPA at the same dtype, per n (forward; causal and not).
    flash_fwd = [r for r in rows if r["kernel"] == "flash" and r["pass"] == "fwd"]
    if flash_fwd:
        lines += ["## flash forward / SDPA at the same dtype, per n", "",
                  "| dtype | SDPA baseline | causal | " + " | ".join(f"n={n}" for n in sorted({r["n"] for r in flash_fwd})) + " |",
                  "|---|---|---|" + "---:|" * len({r["n"] for r in flash_fwd})]
        for t in sorted({r["dtype"] for r in flash_fwd}, key=lambda t: order.get(t, 9)):
            for cz in (False, True):
                by_n = {r["n"]: r for r in flash_fwd if r["dtype"] == t and r["causal"] == cz}
                if by_n:
                    lines.append(f"| {t} | SDPA {baseline.get(t, 'float32')} | {yn(cz)} | "
                                 + " | ".join(fmt(by_n[n]["ratio_to_sdpa"], '{:.3g}') if n in by_n else "-" for n in sorted({r["n"] for r in flash_fwd})) + " |")
        lines.append("")
    lines += [
        "| kernel | dtype | n | causal | pass | heads | median (ms) | samples | TFLOP/s | rel. err | SDPA dtype | SDPA backend | SDPA (ms) | SDPA TFLOP/s | ours / SDPA | status |",
        "|---|---|---:|---|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---|",
    ]
    for r in rows:
        mark = " †" if r["sdpa_heads"] not in (None, r["heads"]) else ""
        lines.append(f"| {r['kernel']} | {r['dtype']} | {r['n']} | {yn(r['causal'])} | {r['pass']} | {r['heads']} | {fmt(r['median_ms'])} | {r['samples'] or '-'} | "
                     f"{fmt(r['tflops'], '{:.3f}')} | {fmt(r['relative_error'], '{:.2e}')} | {r['sdpa_dtype']} | {r['sdpa_backend'] or '-'} | {fmt(r['sdpa_median_ms'])} | "
                     f"{fmt(r['sdpa_tflops'])} | {fmt(r['ratio_to_sdpa'], '{:.3g}')}{mark} | "
                     f"{r['status']}{(': ' + r['error'][:80]) if r['error'] else ''} |")
    if hyper_rows:
        lines += ["", "## HyperAttention vs our flash (same sweep: same inputs, heads and device) and vs SDPA at the same dtype", "",
                  "speed-up = flash / hyper (median; p20: 20th percentiles). over SDPA = SDPA median / hyper median, same shape and dtype "
                  "(flash / SDPA: SDPA median / our flash median).", "",
                  "| dtype | n | causal | pass | heads | flash (ms) | flash p20 | hyper (ms) | hyper p20 | speed-up | speed-up p20 | "
                  "SDPA (ms) | hyper over SDPA | flash over SDPA | ‖E‖₂/‖V‖₂ | O rel. error (Frobenius) | status |",
                  "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for r in hyper_rows:
            lines.append(f"| {r['dtype']} | {r['n']} | {yn(r['causal'])} | {r['pass']} | {r['heads']} | {fmt(r['flash_median_ms'])} | {fmt(r['flash_p20_ms'])} | "
                         f"{fmt(r['hyper_median_ms'])} | {fmt(r['hyper_p20_ms'])} | {fmt(r['speedup'], '{:.2f}x')} | {fmt(r['speedup_p20'], '{:.2f}x')} | "
                         f"{fmt(r['sdpa_median_ms'])} | {fmt(r['speedup_over_sdpa'], '{:.2f}x')} | {fmt(r['flash_over_sdpa'], '{:.3g}x')} | "
                         f"{fmt(r['spectral_over_v'], '{:.3f}')} | {fmt(r['o_rel_frobenius'], '{:.3g}')} | {r['status']} |")
    lines += ["", "## Cases not run, cut or not ok", ""]
    if not grid:
        lines.append("- (no planned grid given)")
    lines.append(f"- not run ({len(not_run)} of {len(grid)} planned): "
                 + (", ".join(f"{x['kernel']} n={x['n']} {'causal' if x['causal'] else 'full'} {x['pass']} {x['dtype']}" for x in not_run) or "none"))
    if a.heads:
        groups = {}
        for r in cut:
            groups.setdefault((r["n"], r["heads"]), []).append(r)
        lines.append(f"- run at fewer than {a.heads} heads ({len(cut)} cases): "
                     + ("; ".join(f"n={n} at {h} heads ({len(g)} cases: {', '.join(sorted({x['kernel'] for x in g}))})"
                                  for (n, h), g in sorted(groups.items())) or "none"))
    lines.append(f"- not ok ({len(not_ok)}): "
                 + (", ".join(f"{r['kernel']} n={r['n']} {'causal' if r['causal'] else 'full'} {r['pass']}: {r['status']}"
                              + (f" ({r['error'][:60]})" if r['error'] else "") for r in not_ok) or "none"))
    skipped_torch = [r for d in torch_docs for r in d.get("results", []) if r.get("error")]
    if torch_docs:
        lines.append(f"- SDPA cases not timed ({len(skipped_torch)}): "
                     + (", ".join(f"{r['dtype']} n={r['n']} {'causal' if r['causal'] else 'full'} {r['pass']} h{r.get('heads')}" for r in skipped_torch) or "none"))
    else:
        lines.append("- SDPA: no torch report")

    with open(a.markdown, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(a.json, "w") as f:
        json.dump({"environment": env, "torch": [{k: d.get(k) for k in ("torch_version", "cuda", "device_name", "argv", "budget_exhausted")} for d in torch_docs],
                   "sweeps": sweeps, "rows": rows, "hyper": hyper_rows, "not_run": not_run, "cut": cut, "not_ok": not_ok,
                   "planned_heads": a.heads}, f, indent=2)


if __name__ == "__main__":
    main()
