# PyTorch twin of semeq's contrastive_ae, used by spec/safetensors_spec.lua: loads a semeq model
# file with a plain struct+json+numpy reader, builds the same architecture from the config in
# __metadata__, load_state_dict(strict=True), and prints the evaluation-mode reconstruction of the
# input tensor "x" stored in a second safetensors file.
import json, struct, sys

import numpy as np
import torch
import torch.nn as tnn

sys.path.insert(0, "scripts/bench")
from train_torch import Residual, SeedHeads  # noqa: E402  (the benchmark peer's layers: one definition)


def read(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    out = {}
    for k, v in h.items():
        if k == "__metadata__":
            continue
        s, e = v["data_offsets"]
        a = np.frombuffer(b[8 + n + s:8 + n + e], dtype="<f4").reshape(v["shape"])
        out[k] = torch.from_numpy(a.copy())
    return out, h.get("__metadata__", {})


class AE(tnn.Module):
    def __init__(self, c):
        super().__init__()
        L, w, prev = c["latent"], c["widths"], c["input"]
        enc = []
        for x in w:
            enc.append(Residual(prev, x))
            prev = x
        enc += [tnn.Linear(prev, 2 * L), tnn.ReLU(), tnn.Linear(2 * L, L), tnn.Tanh()]
        self.encoder = tnn.Sequential(*enc)
        self.head = tnn.Linear(L, c["proj"])
        dec, prev, out = [], L, c["outputSize"]
        for x in reversed(w):
            dec.append(Residual(prev, x))
            prev = x
        tail = c.get("tail", "seed")
        if tail == "seed":
            dec += [tnn.Linear(prev, 2 * out), tnn.ReLU(), tnn.Linear(2 * out, out), SeedHeads(out)]
        elif tail == "seed_v2":
            dec += [tnn.Linear(prev, prev), tnn.ReLU(), tnn.Linear(prev, out), tnn.Sigmoid()]
        else:
            dec.append(tnn.Linear(prev, out))
            if tail == "sigmoid":
                dec.append(tnn.Sigmoid())
        self.decoder = tnn.Sequential(*dec)

    def forward(self, x):
        return self.decoder(self.encoder(x))


state, meta = read(sys.argv[1])
model = AE(json.loads(meta["config"]))
model.load_state_dict(state, strict=True)
model.eval()
x = read(sys.argv[2])[0]["x"]
print(" ".join("%.9g" % v for v in model(x).detach().numpy().ravel()))
