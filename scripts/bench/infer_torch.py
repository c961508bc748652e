# The PyTorch peer of scripts/bench/infer.lua (a benchmark peer only, never part of semeq):
# the SAFE-sized contrastive AE (input 13, latent 32, Sigmoid output) in eval mode under
# torch.no_grad(), batch 1: encode+decode, and term -> EQ parameters as semeq's
# semantic:eq_for does it (a dict lookup of the term's latent centroid, the decoder, the
# inverse normalisation: clamp to [0, 1], gains to +-12 dB, exp of the log-frequency/Q
# range, a Python list scaled by the intensity). Per-call times over --calls calls after 200
# warm-up calls.
#   /usr/bin/python3 scripts/bench/infer_torch.py [--calls 10000] [--threads 1]
# Last lines: term_to_eq_us: X, encode_decode_us: X (medians, microseconds).
import argparse
import math
import time

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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=10000)
    ap.add_argument("--threads", type=int, default=1)
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
    print("term_to_eq_us: %.6g" % tp[0])
    print("encode_decode_us: %.6g" % ed[0])


if __name__ == "__main__":
    main()
