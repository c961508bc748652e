# The PyTorch peer of scripts/bench/infer.lua (a benchmark peer only, never part of semeq):
# the SAFE-sized contrastive AE (input 13, latent 32, Sigmoid output) in eval mode under
# torch.no_grad(), batch 1: encode+decode, and term -> EQ parameters as semeq's
# semantic:eq_for does it (a dict lookup of the term's latent centroid, the decoder, the
# inverse normalisation: clamp to [0, 1], gains to +-12 dB, exp of the log-frequency/Q
# range, a Python list scaled by the intensity). Per-call times over --calls calls after 200
# warm-up calls.
#   /usr/bin/python3 scripts/bench/infer_torch.py [--calls 10000] [--threads 1]
# With --model FILE (a semeq model file, e.g. models/safe_warm_bright.safetensors) it also
# times that model's encode+decode: its weights and the inference graph from the file's
# metadata (written by semeq's nn.save) evaluated by torch.nn modules.
# Last lines: shipped_encode_decode_us (with --model), term_to_eq_us: X, encode_decode_us: X
# (medians, microseconds).
import argparse
import json
import math
import struct
import time

import numpy as np

import torch
import torch.nn as tnn

from train_torch import ContrastiveAE

GAIN_COLS = [0, 2, 5, 8, 11]
WARMUP = 200


def per_call(fn, calls):
    for _ in range(WARMUP):
        fn()
    clock, us = time.perf_counter, []
    for _ in range(calls):
        t0 = clock()
        fn()
        us.append((clock() - t0) * 1e6)
    us.sort()
    n = len(us)

    def pct(q):
        pos = (n - 1) * q / 100
        lo = int(math.floor(pos))
        hi = min(lo + 1, n - 1)
        return us[lo] + (pos - lo) * (us[hi] - us[lo])

    return pct(50), pct(99), us[0]


class SafeAE(ContrastiveAE):
    def __init__(self):
        super().__init__(inp=13, latent=32, out=13)
        self.decoder.append(tnn.Sigmoid())

    def encode(self, x):
        return self.encoder(x)

    def decode(self, z):
        return self.decoder(z)


class ColumnScale(tnn.Module):
    def __init__(self, scales, shifts=None):
        super().__init__()
        self.register_buffer("scales", torch.tensor(scales, dtype=torch.float32))
        self.register_buffer("shifts", torch.tensor(shifts or [0.0] * len(scales), dtype=torch.float32))

    def forward(self, x):
        return x * self.scales + self.shifts


class Concat(tnn.Module):
    def __init__(self, children):
        super().__init__()
        self.parts = tnn.ModuleList(children)

    def forward(self, x):
        return torch.cat([m(x) for m in self.parts], dim=1)


class Narrow(tnn.Module):
    def __init__(self, offset, length):
        super().__init__()
        self.offset, self.length = offset - 1, length

    def forward(self, x):
        return x.narrow(1, self.offset, self.length)


class Residual(tnn.Module):
    def __init__(self, block, skip):
        super().__init__()
        self.block, self.skip = block, skip

    def forward(self, x):
        return torch.relu(self.block(x) + self.skip(x))


def load_semeq(path):
    """Tensors and metadata of a semeq model file (safetensors, little-endian float32)."""
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    tensors = {}
    for name, t in header.items():
        a, b = t["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").reshape(t["shape"]).copy())
    return tensors, meta


def build(node, tensors):
    """A torch module for one node of a semeq inference graph (lua/semeq/nn/*.lua graphNode)."""
    kind = node["type"]
    if kind == "Linear":
        m = tnn.Linear(node["input"], node["output"], bias="bias" in node)
        m.weight.data.copy_(tensors[node["weight"]])
        if "bias" in node:
            m.bias.data.copy_(tensors[node["bias"]])
        return m
    if kind == "LayerNorm":
        m = tnn.LayerNorm(node["size"], eps=node["eps"])
        m.weight.data.copy_(tensors[node["weight"]])
        m.bias.data.copy_(tensors[node["bias"]])
        return m
    simple = {"ReLU": tnn.ReLU, "Tanh": tnn.Tanh, "Sigmoid": tnn.Sigmoid, "GELU": tnn.GELU,
              "Identity": tnn.Identity, "Dropout": tnn.Identity, "Reparameterize": tnn.Identity}
    if kind in simple:
        return simple[kind]()
    if kind == "LeakyReLU":
        return tnn.LeakyReLU(node["slope"])
    if kind == "Softplus":
        return tnn.Softplus(beta=node["beta"])
    if kind == "ColumnScale":
        return ColumnScale(node["scales"], node.get("shifts"))
    if kind == "Narrow":
        return Narrow(node["offset"], node["length"])
    children = [build(c, tensors) for c in node.get("children", []) or []]
    if kind == "Sequential":
        return tnn.Sequential(*children)
    if kind == "Concat":
        return Concat(children)
    if kind == "Residual":
        return Residual(build(node["block"], tensors), build(node["skip"], tensors))
    raise ValueError("unsupported graph node " + kind)


def input_width(node):
    """The input width of a graph: that of its first Linear, in evaluation order."""
    if node["type"] == "Linear":
        return node["input"]
    for child in node.get("children", []) or [node.get("block")]:
        if child:
            w = input_width(child)
            if w:
                return w
    return None


def shipped_encode_decode(path, calls):
    tensors, meta = load_semeq(path)
    graph = json.loads(meta["graph"])
    enc, dec = build(graph["encode"], tensors).eval(), build(graph["decode"], tensors).eval()
    x = torch.rand(1, input_width(graph["encode"]))

    def run():
        with torch.no_grad():
            return dec(enc(x))

    return per_call(run, calls)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=10000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--model", default=None)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = SafeAE().eval()
    nparams = sum(p.numel() for p in model.parameters())
    gain = torch.zeros(13, dtype=torch.bool)
    gain[GAIN_COLS] = True
    lo = torch.log(torch.tensor([1, 22, 1, 82, 0.1, 1, 180, 0.1, 1, 220, 0.1, 1, 580.0]))
    hi = torch.log(torch.tensor([1, 1000, 1, 3900, 10, 1, 4700, 10, 1, 10000, 10, 1, 20000.0]))
    centroids = {"term%d" % i: torch.rand(1, 32) * 2 - 1 for i in range(1, 25)}
    terms = list(centroids)
    x = torch.rand(1, 13)
    k = [0]

    def enc_dec():
        with torch.no_grad():
            return model.decode(model.encode(x))

    def term_to_eq(intensity=1.0):
        k[0] = k[0] % len(terms) + 1
        with torch.no_grad():
            out = model.decode(centroids[terms[k[0] - 1]]).clamp(0, 1)[0]
            p = torch.where(gain, (out * 2 - 1) * 12, torch.exp(lo + out * (hi - lo))).tolist()
        for j in GAIN_COLS:
            p[j] *= intensity
        return p

    ed = per_call(enc_dec, a.calls)
    tp = per_call(term_to_eq, a.calls)
    print("PyTorch %s: %d parameters, %d threads, %d calls each (after %d warm-up)"
          % (torch.__version__, nparams, torch.get_num_threads(), a.calls, WARMUP))
    print("encode+decode   median %.2f us  p99 %.2f us  (min %.2f)" % ed)
    print("term -> EQ      median %.2f us  p99 %.2f us  (min %.2f)" % tp)
    if a.model:
        sed = shipped_encode_decode(a.model, a.calls)
        print("%s encode+decode median %.2f us  p99 %.2f us  (min %.2f)" % ((a.model,) + sed))
        print("shipped_encode_decode_us: %.6g" % sed[0])
    print("term_to_eq_us: %.6g" % tp[0])
    print("encode_decode_us: %.6g" % ed[0])


if __name__ == "__main__":
    main()
