#!/usr/bin/python3
"""Realistic Demucs model for benchmarks, and the PyTorch baseline of the same model.

No pretrained weights are needed to measure speed: the compute of a network does not depend on
its weights. This script builds torchaudio's Hybrid Demucs ``hdemucs_high`` (the v3 hybrid
architecture, 4 sources, ~84 M parameters) with seeded random weights and

  export    writes it to ONNX (opset 17) in the two-input form of Demucs' public exports:
              inputs   waveform     [1, 2, 343980]
                       spectrogram  [1, 4, 2048, 336]   (complex-as-channels, STFT outside)
              outputs  frequency    [1, 4, 4, 2048, 336] (de-normalised spectrogram, not a mask)
                       time         [1, 4, 2, 343980]
            with metadata_props sources, sample_rate, segment_samples, weights_sha256;
  baseline  times PyTorch's forward of the very same graph (same seed, hence the same weights,
            checked by weights_sha256), the same chunk and the same thread count, after warm-up,
            and prints machine-readable ``key=value`` lines;
  check     verifies that the exported wrapper plus torch's own STFT/iSTFT reproduces the
            model's original forward;
  track     separates a whole track of --seconds (seeded noise: speed does not depend on the
            content) the way upstream's apply_model does with shifts=0: 7.8 s chunks at overlap
            0.25, triangle weights, overlap-add; prints wall and CPU seconds and the process's
            peak RSS. Where upstream's own ``demucs`` package imports (pip install demucs), it
            also runs upstream's apply_model on a full-size HTDemucs with random weights;
            otherwise it prints upstream_demucs=skipped;
  stft      times torch.stft and torch.istft (n_fft 4096, hop 1024, Hann, normalised, centred,
            as Demucs' _spec/_ispec call them) of one 7.8 s channel on one thread: the host DSP
            that PerformanceReport's ``stft`` times for DemucsStft.

torch 1.13 cannot export ``aten::stft``, so the spectrogram is an input and the wrapper below
re-states ``HDemucs.forward`` between ``_magnitude`` and ``_mask``. The local attention's boolean
``torch.eye`` would export as ``EyeLike`` on booleans, which ONNX Runtime's CPU provider lacks;
the patch builds the eye as float and compares with 0.5.

Needs Debian's python3-torch, python3-torchaudio and python3-onnx, for /usr/bin/python3:
    apt-get install -y python3-torch python3-torchaudio python3-onnx

Usage (from the repository root):
    /usr/bin/python3 benchmarks/python/export_hdemucs.py export [--out benchmarks/generated/hdemucs_high.onnx]
    /usr/bin/python3 benchmarks/python/export_hdemucs.py baseline [--threads 2] [--runs 3]
    /usr/bin/python3 benchmarks/python/export_hdemucs.py check
    /usr/bin/python3 benchmarks/python/export_hdemucs.py track [--seconds 20] [--threads 2]
    /usr/bin/python3 benchmarks/python/export_hdemucs.py stft [--runs 20]
"""

import argparse
import hashlib
import math
import os
import sys
import time

import torch
import torchaudio
from torchaudio.models import _hdemucs

SOURCES = ["drums", "bass", "other", "vocals"]
SAMPLE_RATE = 44100
SEGMENT_SAMPLES = 343980
HOP = 1024
NFFT = 4096
DEFAULT_OUT = os.path.join("benchmarks", "generated", "hdemucs_high.onnx")


def _local_state_forward(self, x):
    """_LocalState.forward with the self-reference mask built from a float eye (ORT-friendly)."""
    B, C, T = x.shape
    heads = self.heads
    indexes = torch.arange(T, device=x.device, dtype=x.dtype)
    delta = indexes[:, None] - indexes[None, :]
    queries = self.query(x).view(B, heads, -1, T)
    keys = self.key(x).view(B, heads, -1, T)
    dots = torch.einsum("bhct,bhcs->bhts", keys, queries)
    dots /= math.sqrt(keys.shape[2])
    if self.ndecay:
        decays = torch.arange(1, self.ndecay + 1, device=x.device, dtype=x.dtype)
        decay_q = self.query_decay(x).view(B, heads, -1, T)
        decay_q = torch.sigmoid(decay_q) / 2
        decay_kernel = -decays.view(-1, 1, 1) * delta.abs() / math.sqrt(self.ndecay)
        dots += torch.einsum("fts,bhfs->bhts", decay_kernel, decay_q)
    eye = torch.eye(T, device=dots.device, dtype=dots.dtype) > 0.5
    dots = dots.masked_fill(eye, -100)
    weights = torch.softmax(dots, dim=2)
    content = self.content(x).view(B, heads, -1, T)
    result = torch.einsum("bhts,bhct->bhcs", weights, content)
    result = result.reshape(B, -1, T)
    return x + self.proj(result)


_hdemucs._LocalState.forward = _local_state_forward


class TwoInputHDemucs(torch.nn.Module):
    """HDemucs.forward from the complex-as-channels spectrogram to the two branch outputs."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, waveform, spectrogram):
        m = self.model
        x = spectrogram
        B, C, Fq, T = x.shape
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        std = x.std(dim=(1, 2, 3), keepdim=True)
        x = (x - mean) / (1e-5 + std)

        xt = waveform
        length = waveform.shape[-1]
        meant = xt.mean(dim=(1, 2), keepdim=True)
        stdt = xt.std(dim=(1, 2), keepdim=True)
        xt = (xt - meant) / (1e-5 + stdt)

        saved = []
        saved_t = []
        lengths = []
        lengths_t = []
        for idx, encode in enumerate(m.freq_encoder):
            lengths.append(x.shape[-1])
            inject = None
            if idx < len(m.time_encoder):
                lengths_t.append(xt.shape[-1])
                tenc = m.time_encoder[idx]
                xt = tenc(xt)
                if not tenc.empty:
                    saved_t.append(xt)
                else:
                    inject = xt
            x = encode(x, inject)
            if idx == 0 and m.freq_emb is not None:
                frs = torch.arange(x.shape[-2], device=x.device)
                emb = m.freq_emb(frs).t()[None, :, :, None].expand_as(x)
                x = x + m.freq_emb_scale * emb
            saved.append(x)

        x = torch.zeros_like(x)
        xt = torch.zeros_like(x)
        for idx, decode in enumerate(m.freq_decoder):
            skip = saved.pop(-1)
            x, pre = decode(x, skip, lengths.pop(-1))
            offset = m.depth - len(m.time_decoder)
            if idx >= offset:
                tdec = m.time_decoder[idx - offset]
                length_t = lengths_t.pop(-1)
                if tdec.empty:
                    pre = pre[:, :, 0]
                    xt, _ = tdec(pre, None, length_t)
                else:
                    skip = saved_t.pop(-1)
                    xt, _ = tdec(xt, skip, length_t)

        S = len(m.sources)
        x = x.view(B, S, -1, Fq, T)
        x = x * std[:, None] + mean[:, None]
        xt = xt.view(B, S, -1, length)
        xt = xt * stdt[:, None] + meant[:, None]
        return x, xt


def build(seed):
    """hdemucs_high with weights drawn from torch's default initialisers under a fixed seed."""
    torch.manual_seed(seed)
    model = torchaudio.models.hdemucs_high(sources=SOURCES)
    model.eval()
    return model


def weights_sha256(model):
    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().contiguous().cpu().numpy().tobytes())
    return h.hexdigest()


def example_inputs(model, seed, segment):
    """A seeded noise chunk and its spectrogram, computed exactly as the model does."""
    g = torch.Generator().manual_seed(seed + 1)
    wave = 0.1 * torch.randn(1, 2, segment, generator=g)
    with torch.no_grad():
        spec = model._magnitude(model._spec(wave))
    return wave, spec


def cmd_export(args):
    import onnx

    model = build(args.seed)
    params = sum(p.numel() for p in model.parameters())
    sha = weights_sha256(model)
    wrapper = TwoInputHDemucs(model).eval()
    wave, spec = example_inputs(model, args.seed, args.segment)
    out = args.out
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    t0 = time.perf_counter()
    with torch.no_grad():
        torch.onnx.export(wrapper, (wave, spec), tmp, opset_version=17,
                          input_names=["input"], output_names=["output"],
                          do_constant_folding=True)
    proto = onnx.load(tmp)
    meta = {"sources": ",".join(SOURCES), "sample_rate": str(SAMPLE_RATE),
            "segment_samples": str(args.segment), "weights_sha256": sha,
            "generator": "benchmarks/python/export_hdemucs.py hdemucs_high seed=%d" % args.seed}
    # The exporter leaves the output shapes symbolic; public exports state them, and a runtime
    # recognises the two outputs by rank and shape, so write them down.
    frames = int(math.ceil(args.segment / HOP))
    fixed = [[1, len(SOURCES), 4, NFFT // 2, frames], [1, len(SOURCES), 2, args.segment]]
    for output, dims in zip(proto.graph.output, fixed):
        shape = output.type.tensor_type.shape
        del shape.dim[:]
        for d in dims:
            shape.dim.add().dim_value = d
    del proto.metadata_props[:]
    for k, v in meta.items():
        p = proto.metadata_props.add()
        p.key, p.value = k, v
    onnx.save(proto, tmp)
    os.replace(tmp, out)
    print("onnx=%s" % out)
    print("parameters=%d" % params)
    print("weights_sha256=%s" % sha)
    print("onnx_bytes=%d" % os.path.getsize(out))
    print("export_seconds=%.2f" % (time.perf_counter() - t0))
    for i in proto.graph.input:
        print("input=%s %s" % (i.name, [d.dim_value for d in i.type.tensor_type.shape.dim]))
    for o in proto.graph.output:
        print("output=%s %s" % (o.name, [d.dim_value for d in o.type.tensor_type.shape.dim]))


def cmd_baseline(args):
    torch.set_num_threads(args.threads)
    model = build(args.seed)
    wrapper = TwoInputHDemucs(model).eval()
    wave, spec = example_inputs(model, args.seed, args.segment)
    print("pytorch_version=%s" % torch.__version__)
    print("threads=%d" % torch.get_num_threads())
    print("weights_sha256=%s" % weights_sha256(model))
    print("segment_samples=%d" % args.segment)
    times = []
    cpu = []
    with torch.no_grad():
        for i in range(args.warmup + args.runs):
            c0 = time.process_time()
            t0 = time.perf_counter()
            wrapper(wave, spec)
            dt = time.perf_counter() - t0
            dc = time.process_time() - c0
            if i >= args.warmup:
                times.append(dt)
                cpu.append(dc)
                print("pytorch_chunk_seconds=%.4f" % dt)
                print("pytorch_chunk_cpu_seconds=%.4f" % dc)
            sys.stdout.flush()
        full = []
        for i in range(args.full_runs):
            t0 = time.perf_counter()
            model(wave)
            full.append(time.perf_counter() - t0)
    times.sort()
    cpu.sort()
    print("pytorch_chunk_cpu_seconds_median=%.4f" % cpu[len(cpu) // 2])
    print("pytorch_chunk_seconds_min=%.4f" % times[0])
    print("pytorch_chunk_seconds_median=%.4f" % times[len(times) // 2])
    if full:
        print("pytorch_full_forward_seconds_min=%.4f" % min(full))
    try:
        import resource
        print("pytorch_peak_rss_mb=%.0f" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    except ImportError:
        pass


def _peak_rss_mb():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cmd_track(args):
    torch.set_num_threads(args.threads)
    model = build(args.seed).eval()
    length = int(args.seconds * SAMPLE_RATE)
    generator = torch.Generator().manual_seed(args.seed)
    mix = 0.1 * torch.randn(1, 2, length, generator=generator)
    segment = args.segment
    stride = int(0.75 * segment)
    weight = torch.cat([torch.arange(1, segment // 2 + 1),
                        torch.arange(segment - segment // 2, 0, -1)]).float()
    weight = weight / weight.max()
    out = torch.zeros(1, len(SOURCES), 2, length)
    total = torch.zeros(length)
    c0 = time.process_time()
    t0 = time.perf_counter()
    runs = 0
    with torch.no_grad():
        for offset in range(0, length, stride):
            chunk = mix[..., offset:offset + segment]
            n = chunk.shape[-1]
            if n < segment:
                left = (segment - n) // 2
                chunk = torch.nn.functional.pad(chunk, (left, segment - n - left))
            y = model(chunk)
            runs += 1
            if n < segment:
                y = y[..., left:left + n]
            out[..., offset:offset + n] += weight[:n] * y
            total[offset:offset + n] += weight[:n]
    out /= total
    print("pytorch_track_seconds=%.2f" % args.seconds)
    print("pytorch_track_model_runs=%d" % runs)
    print("pytorch_track_wall_seconds=%.4f" % (time.perf_counter() - t0))
    print("pytorch_track_cpu_seconds=%.4f" % (time.process_time() - c0))
    print("pytorch_track_peak_rss_mb=%.0f" % _peak_rss_mb())
    sys.stdout.flush()
    try:
        from demucs.apply import apply_model
        from demucs.htdemucs import HTDemucs
    except ImportError as e:
        print("upstream_demucs=skipped (import demucs failed: %s)" % e)
        return 0
    torch.manual_seed(args.seed)
    upstream = HTDemucs(sources=SOURCES).eval()
    c0 = time.process_time()
    t0 = time.perf_counter()
    with torch.no_grad():
        apply_model(upstream, mix, shifts=0, split=True, overlap=0.25, progress=False)
    print("upstream_apply_model_wall_seconds=%.4f" % (time.perf_counter() - t0))
    print("upstream_apply_model_cpu_seconds=%.4f" % (time.process_time() - c0))
    print("upstream_peak_rss_mb=%.0f" % _peak_rss_mb())
    return 0


def cmd_check(args):
    model = build(args.seed)
    wrapper = TwoInputHDemucs(model).eval()
    wave, spec = example_inputs(model, args.seed, args.segment)
    with torch.no_grad():
        ref = model(wave)
        freq, tim = wrapper(wave, spec)
        stems = tim + model._ispec(model._mask(freq), wave.shape[-1])
    err = (stems - ref).abs().max().item()
    scale = ref.abs().max().item()
    print("freq_shape=%s" % list(freq.shape))
    print("time_shape=%s" % list(tim.shape))
    print("max_abs_error=%.3e" % err)
    print("max_abs_reference=%.3e" % scale)
    ok = err <= 1e-5 * max(1.0, scale)
    print("check=%s" % ("ok" if ok else "FAILED"))
    return 0 if ok else 1


def cmd_stft(args):
    torch.set_num_threads(1)
    x = torch.randn(args.segment, generator=torch.Generator().manual_seed(args.seed))
    window = torch.hann_window(NFFT)
    spec_ms, ispec_ms = [], []
    for i in range(-args.runs, args.runs):  # the first half warms up
        t0 = time.perf_counter()
        z = torch.stft(x, NFFT, HOP, window=window, normalized=True, center=True, pad_mode="reflect",
                       return_complex=True)
        t1 = time.perf_counter()
        torch.istft(z, NFFT, HOP, window=window, normalized=True, length=args.segment)
        t2 = time.perf_counter()
        if i >= 0:
            spec_ms.append((t1 - t0) * 1e3)
            ispec_ms.append((t2 - t1) * 1e3)
    spec_ms.sort()
    ispec_ms.sort()
    print("torch_version=%s" % torch.__version__)
    print("torch_stft_frames=%d" % z.shape[-1])
    print("torch_stft_ms_median=%.3f" % spec_ms[args.runs // 2])
    print("torch_istft_ms_median=%.3f" % ispec_ms[args.runs // 2])
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("export", "baseline", "check", "track", "stft"):
        s = sub.add_parser(name)
        s.add_argument("--seed", type=int, default=0, help="weight seed (default 0)")
        s.add_argument("--segment", type=int, default=SEGMENT_SAMPLES, help="chunk length in samples")
        if name == "export":
            s.add_argument("--out", default=DEFAULT_OUT, help="ONNX file to write (default %(default)s)")
        if name == "baseline":
            s.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
            s.add_argument("--runs", type=int, default=3, help="timed runs after warm-up")
            s.add_argument("--warmup", type=int, default=1, help="untimed runs first")
            s.add_argument("--full-runs", type=int, default=0,
                           help="also time the model's own forward (STFT inside) this many times")
        if name == "stft":
            s.add_argument("--runs", type=int, default=20, help="timed runs after as many warm-up runs")
        if name == "track":
            s.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
            s.add_argument("--seconds", type=float, default=20, help="track length in seconds (default 20)")
    args = p.parse_args(argv)
    return {"export": cmd_export, "baseline": cmd_baseline, "check": cmd_check,
            "track": cmd_track, "stft": cmd_stft}[args.cmd](args) or 0


if __name__ == "__main__":
    sys.exit(main())
