#!/usr/bin/env python3
"""Generates STFT/iSTFT goldens for DemucsStftTest with torch.stft / torch.istft.

Reproduces demucs.htdemucs.HTDemucs._spec / _ispec (and demucs.hdemucs.pad1d, spectro, ispectro)
literally. Run with Debian's python3-torch:  /usr/bin/python3 make_stft_goldens.py OUTDIR

Inputs are generated from a seed by a formula that DemucsStftTest reproduces in Java, so only the
outputs are stored (float32 little-endian):
    x[c][t] = 0.5·sin(0.0123·(t+1)·(c+1)) + 0.25·noise, noise from a 64-bit LCG (see signal())
For each case "<name>":  <name>.spec.f32  = spec(x), shape [2(ch), 2(re/im), 2048/BIN_STEP, le] (bins
0, 8, 16, ...; for the long case only the first and last `keep` frames), <name>.ispec.f32 = ispec(Z, T), shape [2, T], where
Z = spec(signal(seed + 100)) with bin b scaled by 0.5 + 0.5·cos(0.01·b) (for the long case only the first
and last keep·1024 samples).
"""
import math
import struct
import sys
import os

import torch
import torch.nn.functional as F

N_FFT = 4096
HOP = 1024
BIN_STEP = 8  # spec goldens keep every 8th bin (0, 8, 16, ...) to stay small


def pad1d(x, paddings, mode='constant', value=0.):
    x0 = x
    length = x.shape[-1]
    padding_left, padding_right = paddings
    if mode == 'reflect':
        max_pad = max(padding_left, padding_right)
        if length <= max_pad:
            extra_pad = max_pad - length + 1
            extra_pad_right = min(padding_right, extra_pad)
            extra_pad_left = extra_pad - extra_pad_right
            paddings = (padding_left - extra_pad_left, padding_right - extra_pad_right)
            x = F.pad(x, (extra_pad_left, extra_pad_right))
    out = F.pad(x, paddings, mode, value)
    assert out.shape[-1] == length + padding_left + padding_right
    assert (out[..., padding_left: padding_left + length] == x0).all()
    return out


def spectro(x, n_fft=512, hop_length=None, pad=0):
    *other, length = x.shape
    x = x.reshape(-1, length)
    z = torch.stft(x, n_fft * (1 + pad), hop_length or n_fft // 4, window=torch.hann_window(n_fft).to(x),
                   win_length=n_fft, normalized=True, center=True, return_complex=True, pad_mode='reflect')
    _, freqs, frame = z.shape
    return z.view(*other, freqs, frame)


def ispectro(z, hop_length=None, length=None, pad=0):
    *other, freqs, frames = z.shape
    n_fft = 2 * freqs - 2
    z = z.view(-1, freqs, frames)
    win_length = n_fft // (1 + pad)
    x = torch.istft(z, n_fft, hop_length, window=torch.hann_window(win_length).to(z.real),
                    win_length=win_length, normalized=True, length=length, center=True)
    _, length = x.shape
    return x.view(*other, length)


def spec(x):
    hl = HOP
    nfft = N_FFT
    le = int(math.ceil(x.shape[-1] / hl))
    pad = hl // 2 * 3
    x = pad1d(x, (pad, pad + le * hl - x.shape[-1]), mode="reflect")
    z = spectro(x, nfft, hl)[..., :-1, :]
    assert z.shape[-1] == le + 4, (z.shape, x.shape, le)
    z = z[..., 2: 2 + le]
    return z


def ispec(z, length):
    hl = HOP
    z = F.pad(z, (0, 0, 0, 1))
    z = F.pad(z, (2, 2))
    pad = hl // 2 * 3
    le = hl * int(math.ceil(length / hl)) + 2 * pad
    x = ispectro(z, hl, length=le)
    x = x[..., pad: pad + length]
    return x


def lcg_noise(seed, count):
    """Deterministic noise in [-0.5, 0.5): 64-bit LCG (Knuth MMIX), top 24 bits."""
    out = []
    state = seed & 0xFFFFFFFFFFFFFFFF
    for _ in range(count):
        state = (state * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        out.append((state >> 40) / float(1 << 24) - 0.5)
    return out


def signal(seed, channels, length):
    rows = []
    for c in range(channels):
        noise = lcg_noise(seed * 31 + c, length)
        rows.append([0.5 * math.sin(0.0123 * (t + 1) * (c + 1)) + 0.25 * noise[t] for t in range(length)])
    return torch.tensor(rows, dtype=torch.float32)


def spectrogram_input(seed, length):
    """The spectrogram ispec is checked on: spec(signal(seed)) with bin b scaled by 0.5 + 0.5·cos(0.01·b),
    a realistic (not identity) frequency-branch output."""
    z = spec(signal(seed, 2, length))
    gain = (0.5 + 0.5 * torch.cos(0.01 * torch.arange(2048, dtype=torch.float64))).to(torch.float32)
    return z * gain[:, None]


def write(path, tensor):
    data = tensor.contiguous().view(-1).tolist()
    with open(path, 'wb') as f:
        f.write(struct.pack('<%df' % len(data), *data))


CASES = [
    # name, length T, seed, keep (0 = everything; else frames / edge samples kept)
    ("short_500", 500, 1, 0),           # shorter than a hop
    ("short_1536", 1536, 2, 0),         # exactly the left reflect pad
    ("short_2047", 2047, 3, 0),         # shorter than the right reflect pad (1536 + 2048 - 2047)
    ("odd_4097", 4097, 4, 0),           # odd, just above one FFT
    ("odd_5001", 5001, 5, 0),
    ("exact_343980", 343980, 6, 4),     # the HTDemucs segment; keep 4 frames / 4096 samples at each end
]


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "resources", "goldens")
    os.makedirs(out_dir, exist_ok=True)
    for name, length, seed, keep in CASES:
        x = signal(seed, 2, length)
        z = spec(x)  # [2, 2048, le]
        le = z.shape[-1]
        zr = torch.stack([z.real, z.imag], dim=1)  # [2, 2, 2048, le]
        zr = zr[:, :, ::BIN_STEP, :]
        if keep:
            zr = torch.cat([zr[..., :keep], zr[..., -keep:]], dim=-1)
        write(os.path.join(out_dir, name + ".spec.f32"), zr)
        zin = spectrogram_input(seed + 100, length)
        y = ispec(zin, length)  # [2, T]
        if keep:
            y = torch.cat([y[..., :keep * 1024], y[..., -keep * 1024:]], dim=-1)
        write(os.path.join(out_dir, name + ".ispec.f32"), y)
        print(name, length, "le", le, "spec", tuple(zr.shape), "ispec", tuple(y.shape))


if __name__ == "__main__":
    main()
