import os, time, numpy as np, json, sys
rng = np.random.default_rng(1)
a = rng.standard_normal((256,256)); b = rng.standard_normal((256,256)); x = rng.standard_normal(200_000)
def mm(): a @ b
def srt(): np.sort(x)
out = {}
for name, f in (("matmul", mm), ("sort", srt)):
    for _ in range(5): f()
    w = []; c = []
    for _ in range(30):
        t0 = time.perf_counter(); c0 = time.thread_time(); f(); c1 = time.thread_time(); t1 = time.perf_counter()
        w.append(t1 - t0); c.append(c1 - c0)
    out[name] = (float(np.median(w)), float(np.median(c)))
print(json.dumps(out))
