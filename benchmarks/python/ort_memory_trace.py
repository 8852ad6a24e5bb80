#!/usr/bin/env python3
"""Where ONNX Runtime's peak memory goes, read from the process's own mappings.

Run a model under strace with glibc told to map every block over 128 KiB on its own
(MALLOC_MMAP_THRESHOLD_=131072, so each tensor buffer is one mmap and its free one munmap), then:

  ort_memory_trace.py analyze TRACE      the peak of live anonymous blocks (>= 1 MiB), the sizes
                                         live at that instant, and how long before the peak each
                                         was allocated
  ort_memory_trace.py lifetimes TRACE MIN_MIB MAX_MIB
                                         every block in that size range: allocated, freed, lifetime
  ort_memory_trace.py probe-models DIR   writes reuse_same.onnx and reuse_other.onnx: six early
                                         64 MiB conv outputs, a middle of about 0.2 s on small
                                         tensors, six late conv outputs of the early ones' shape
                                         (same) or one column wider (other); nothing else differs

benchmarks/ort-memory-trace.sh runs it all (Debian's strace, python3-onnx, numpy).
"""
import collections
import re
import sys

LINE = re.compile(r"(\d+) +(\d+):(\d+):([\d.]+) (mmap|munmap)\((.*)\) += (\S+)")
MIB = 1 << 20


def blocks(path):
    """(allocated_s, freed_s or None, bytes) of each anonymous read/write mapping >= 1 MiB."""
    live, out = {}, []
    for line in open(path):
        m = LINE.match(line)
        if not m:
            continue
        _, h, mi, s, call, args, ret = m.groups()
        t = int(h) * 3600 + int(mi) * 60 + float(s)
        a = [x.strip() for x in args.split(",")]
        if call == "mmap":
            if ret.startswith("-") or "MAP_ANONYMOUS" not in a[3] or "PROT_NONE" in a[2]:
                continue
            size = int(a[1])
            if size >= MIB:
                live[int(ret, 16)] = (t, size)
        else:
            hit = live.pop(int(a[0], 16), None)
            if hit:
                out.append((hit[0], t, hit[1]))
    out.extend((t, None, size) for t, size in live.values())
    return sorted(out)


def analyze(path):
    bs = blocks(path)
    events = sorted([(t, s) for t, _, s in bs] + [(f, -s) for _, f, s in bs if f is not None])
    cur = peak = 0
    peak_t = None
    for t, d in events:
        cur += d
        if cur > peak:
            peak, peak_t = cur, t
    at_peak = [(t, f, s) for t, f, s in bs if t <= peak_t and (f is None or f > peak_t)]
    print(f"peak of live anonymous blocks >= 1 MiB: {peak / MIB:.0f} MiB, {len(at_peak)} blocks")
    sizes = collections.Counter(round(s / MIB, 2) for _, _, s in at_peak)
    print("live at the peak, by size (MiB x count = MiB):")
    for size, n in sorted(sizes.items(), key=lambda kv: -kv[0] * kv[1])[:15]:
        print(f"  {size:8.2f} x {n:3d} = {size * n:6.0f}")
    print("live at the peak, by how long before it they were allocated (and freed after it):")
    for lo, hi in ((0, 0.5), (0.5, 1), (1, 2), (2, 4), (4, 1e9)):
        sel = [(t, f, s) for t, f, s in at_peak if lo <= peak_t - t < hi]
        if sel:
            held = [f - peak_t for _, f, _ in sel if f is not None]
            after = f", freed {min(held):.1f}-{max(held):.1f} s after it" if held else ""
            label = f"{lo}-{hi} s" if hi < 1e9 else f">= {lo} s"
            print(f"  {label:>9}: {sum(s for *_, s in sel) / MIB:6.0f} MiB in {len(sel):3d} blocks{after}")


def lifetimes(path, lo_mib, hi_mib):
    bs = [b for b in blocks(path) if lo_mib * MIB <= b[2] <= hi_mib * MIB]
    if not bs:
        print("no blocks in that range")
        return
    t0 = bs[0][0]
    for t, f, s in bs:
        freed = f"{f - t0:+8.3f}" if f is not None else "   never"
        life = f"{f - t:.3f}" if f is not None else "-"
        print(f"{s / MIB:8.2f} MiB  allocated {t - t0:+8.3f}  freed {freed}  lived {life} s")


def probe_models(out_dir):
    import numpy as np
    import onnx
    from onnx import helper as h, numpy_helper as nh, TensorProto

    c, height, width = 64, 1024, 256  # one [1, 64, 1024, 256] float tensor is 64 MiB

    def build(late_width, path):
        n = 256
        eye = np.eye(n, dtype=np.float32)
        inits = [nh.from_array((np.eye(c, dtype=np.float32) * 0.5).reshape(c, c, 1, 1), "w"),
                 nh.from_array(eye, "eye"),
                 nh.from_array(np.array([1, c, height, late_width], dtype=np.int64), "late")]
        nodes, prev = [], "x"
        for i in range(6):  # early: conv outputs (Conv never writes in place)
            nodes.append(h.make_node("Conv", [prev, "w"], [f"e{i}"]))
            prev = f"e{i}"
        # the middle, about 0.2 s: 400 products of 256 x 256 matrices on a value made from the early ones
        nodes += [h.make_node("ReduceMean", [prev], ["m"], keepdims=0), h.make_node("Add", ["m", "eye"], ["a0"])]
        for i in range(400):
            nodes.append(h.make_node("MatMul", [f"a{i}", "eye"], [f"a{i + 1}"]))
        nodes += [h.make_node("ReduceMean", ["a400"], ["s"], keepdims=0), h.make_node("Expand", ["s", "late"], ["l0"])]
        for i in range(6):  # late: conv outputs of the late shape
            nodes.append(h.make_node("Conv", [f"l{i}", "w"], [f"l{i + 1}"]))
        nodes.append(h.make_node("ReduceSum", ["l6"], ["y"], keepdims=0))
        graph = h.make_graph(nodes, "planner_reuse", [h.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, height, width])],
                             [h.make_tensor_value_info("y", TensorProto.FLOAT, [])], inits)
        model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
        model.ir_version = 8
        onnx.checker.check_model(model)
        onnx.save(model, path)
        print(path)

    build(width, f"{out_dir}/reuse_same.onnx")
    build(width + 1, f"{out_dir}/reuse_other.onnx")


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "analyze":
        analyze(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "lifetimes":
        lifetimes(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]))
    elif len(sys.argv) == 3 and sys.argv[1] == "probe-models":
        probe_models(sys.argv[2])
    else:
        sys.exit(__doc__)
