# The PyTorch peer of scripts/bench/train.lua (a benchmark peer only, never part of semeq).
# Same data (SocialFX rows of terms with >= 10 examples, parsed here with the csv module,
# keys lower-case + trim), the same architecture as semeq's models.contrastive_ae, which is
# the seed's (Residual blocks Linear-LayerNorm-ReLU-Dropout(0.1)-Linear-LayerNorm plus a
# Linear skip, ReLU after the sum; encoder ... Linear(w, 2L) ReLU Linear(2L, L) Tanh; head
# Linear(L, 128); decoder Residuals mirrored from the latent, Linear(w1, 80) ReLU
# Linear(80, 40), then the seed's three heads of 13 units — gains Tanh x 12, frequencies
# Sigmoid, Qs Sigmoid x 9.9 + 0.1 — interleaved, the 40th output 0: 514,071 parameters),
# each head unit its own Linear(40, 1) so that semeq's state dict loads strictly; the same
# loss (MSE + 0.5 x the seed's contrastive loss as its code computes it, temperature 0.1,
# on the projection) and loop (shuffled batches of 32 with a short last batch, Adam 1e-3,
# zero_grad / backward / step).
#   /usr/bin/python3 scripts/bench/train_torch.py [--epochs 100] [--batch 32] [--scale 1]
#       [--latent 32] [--seed 1] [--threads 2] [--data PATH] [--budget SECONDS]
# Last line: train_seconds: X (the training loop only, as on the semeq side). With --budget,
# a run that passes the budget stops after that epoch and reports the time extrapolated to
# all epochs (saying so): on a busy 2-core machine two OpenMP threads can be 10x slower.
import argparse
import csv
import os
import resource
import time

import torch
import torch.nn as tnn
import torch.nn.functional as F


def find_data(name):
    dirs = [d for d in os.environ.get("SEMEQ_DATA", "").split(":") if d] + ["./data", "../shared/data"]
    for d in dirs:
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    raise SystemExit("train_torch.py: %s not found in %s (set SEMEQ_DATA)" % (name, ", ".join(dirs)))


def load(path, min_examples=10):
    """Rows of 44 fields under a 43-name header: word, language, audio_id, consistency, 40 bands."""
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            if len(row) != 44:
                continue
            key = row[0].strip().lower()
            if key:
                rows.append((key, [float(v) for v in row[4:44]]))
    count = {}
    for k, _ in rows:
        count[k] = count.get(k, 0) + 1
    rows = [(k, v) for k, v in rows if count[k] >= min_examples]
    keys = sorted({k for k, _ in rows})
    ids = {k: i for i, k in enumerate(keys)}
    x = torch.tensor([v for _, v in rows], dtype=torch.float32)
    y = torch.tensor([ids[k] for k, _ in rows], dtype=torch.long)
    return x, y, len(keys)


class Residual(tnn.Module):
    def __init__(self, i, o, p=0.1):
        super().__init__()
        self.block = tnn.Sequential(tnn.Linear(i, o), tnn.LayerNorm(o), tnn.ReLU(), tnn.Dropout(p),
                                    tnn.Linear(o, o), tnn.LayerNorm(o))
        self.skip = tnn.Linear(i, o) if i != o else tnn.Identity()

    def forward(self, x):
        return torch.relu(self.block(x) + self.skip(x))


class SeedHeads(tnn.ModuleList):
    """The seed's gain / frequency / Q heads on n features, one Linear(n, 1) per unit, in
    output order (band i: columns 3i, 3i+1, 3i+2); columns past 3 (n // 3) are 0."""

    def __init__(self, n):
        super().__init__([tnn.Sequential(tnn.Linear(n, 1)) for _ in range(3 * (n // 3))])
        self.n = n

    def forward(self, x):
        cols = []
        for j, unit in enumerate(self):
            u = unit(x)
            cols.append(torch.tanh(u) * 12.0 if j % 3 == 0 else
                        torch.sigmoid(u) if j % 3 == 1 else torch.sigmoid(u) * 9.9 + 0.1)
        cols += [x[:, :1] * 0.0] * (self.n - len(self))
        return torch.cat(cols, dim=1)


class ContrastiveAE(tnn.Module):
    def __init__(self, inp=40, latent=32, widths=(128, 256, 128), proj=128, out=40):
        super().__init__()
        enc, prev = [], inp
        for w in widths:
            enc.append(Residual(prev, w))
            prev = w
        enc += [tnn.Linear(prev, 2 * latent), tnn.ReLU(), tnn.Linear(2 * latent, latent), tnn.Tanh()]
        self.encoder = tnn.Sequential(*enc)
        self.head = tnn.Linear(latent, proj)
        dec, prev = [], latent
        for w in reversed(widths):
            dec.append(Residual(prev, w))
            prev = w
        dec += [tnn.Linear(prev, 2 * out), tnn.ReLU(), tnn.Linear(2 * out, out), SeedHeads(out)]
        self.decoder = tnn.Sequential(*dec)

    def forward(self, x):
        z = self.encoder(x)
        return self.decoder(z), self.head(z)


def contrastive(z, labels, tau=0.1):
    """The seed's ContrastiveEQLoss as its code computes it (core/neural_eq_morphing.py):
    the per-row ratio meets a broadcast, so it is the mean over all (i, j) of
    valid_j * -log((pos_j + 1e-8) / (all_ij + 1e-8)) (nn.ContrastiveCriterion's "seed")."""
    n = z.shape[0]
    z = F.normalize(z, dim=1)
    sim = z @ z.t() / tau
    eye = torch.eye(n)
    mask = (labels[:, None] == labels[None, :]).float() * (1 - eye)
    ex = torch.exp(sim)
    pos = (ex * mask).sum(dim=1)
    all_sim = ex.sum(dim=1, keepdim=True) - ex * eye
    valid = (mask.sum(dim=1) > 0).float()
    return (-torch.log((pos + 1e-8) / (all_sim.squeeze() + 1e-8)) * valid).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--latent", type=int, default=32)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default=None)
    ap.add_argument("--budget", type=float, default=0.0,
                    help="stop after this many seconds and extrapolate the time of all epochs (0: never)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x, y, nterms = load(a.data or find_data("socialfx_eq_contributions.csv"))
    base = x.shape[0]
    if a.scale > 1:
        x = torch.cat([x] + [x + 0.05 * torch.randn_like(x) for _ in range(a.scale - 1)])
        y = y.repeat(a.scale)
    model = ContrastiveAE(latent=a.latent)
    nparams = sum(p.numel() for p in model.parameters())
    print("data: %d rows (%d x %d), %d terms; model: %d parameters (torch %s, %d threads)"
          % (x.shape[0], base, a.scale, nterms, nparams, torch.__version__, torch.get_num_threads()))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n = x.shape[0]
    model.train()
    t0, c0 = time.perf_counter(), time.process_time()
    first = last = None
    done = 0
    for _ in range(a.epochs):
        perm = torch.randperm(n)
        total = 0.0
        for s in range(0, n, a.batch):
            idx = perm[s:s + a.batch]
            xb, yb = x[idx], y[idx]
            opt.zero_grad()
            rec, proj = model(xb)
            loss = F.mse_loss(rec, xb) + 0.5 * contrastive(proj, yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        last = total / n
        first = last if first is None else first
        done += 1
        if a.budget > 0 and time.perf_counter() - t0 > a.budget and done < a.epochs:
            break
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    if done < a.epochs:
        # A busy machine can make this side very slow: keep the run bounded, say so.
        print("extrapolated: %d of %d epochs ran in %.3f s (over the --budget of %g s)"
              % (done, a.epochs, secs, a.budget))
        secs, cpu = secs * a.epochs / done, cpu * a.epochs / done
    print("loss: first epoch %.5f, last epoch %.5f" % (first, last))
    print("CPU %.2f s" % cpu)
    print("peak_rss_mib: %.1f" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    print("train_seconds: %.6g" % secs)


if __name__ == "__main__":
    main()
