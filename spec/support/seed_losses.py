# Oracle for nn.ContrastiveCriterion: the seed system's two contrastive losses written as
# its PyTorch code computes them (core/neural_eq_morphing.py, ContrastiveEQLoss, and
# core/neural_eq_morphing_safedb_v2.py, ContrastiveLoss; epsilons included), with
# autograd for the gradient.
# Input (stdin): "rows dim tau" then rows*dim numbers of z (row-major), then rows labels.
# Output: for "seed" and "seed_v2": the loss, then rows*dim gradient values, one per line.
import sys

import torch
import torch.nn.functional as F

vals = sys.stdin.read().split()
rows, dim, tau = int(vals[0]), int(vals[1]), float(vals[2])
z0 = torch.tensor([float(v) for v in vals[3:3 + rows * dim]], dtype=torch.float64).view(rows, dim)
labels = torch.tensor([int(v) for v in vals[3 + rows * dim:3 + rows * dim + rows]])


def seed(embeddings, labels):
    # ContrastiveEQLoss.forward, line for line (the broadcasts included)
    batch_size = embeddings.shape[0]
    embeddings = F.normalize(embeddings, dim=1)
    similarity = torch.matmul(embeddings, embeddings.T) / tau
    labels = labels.unsqueeze(1)
    label_mask = (labels == labels.T).double()
    identity_mask = torch.eye(batch_size, dtype=torch.float64)
    label_mask = label_mask * (1 - identity_mask)
    exp_sim = torch.exp(similarity)
    pos_sim = exp_sim * label_mask
    all_sim = exp_sim.sum(dim=1, keepdim=True) - exp_sim * identity_mask
    pos_sim = pos_sim.sum(dim=1)
    pos_count = label_mask.sum(dim=1)
    valid_mask = (pos_count > 0).double()
    loss = -torch.log((pos_sim + 1e-8) / (all_sim.squeeze() + 1e-8))
    return (loss * valid_mask).mean()


def seed_v2(e, labels):
    e = F.normalize(e, dim=1)
    sim = e @ e.T / tau
    l = labels.unsqueeze(0)
    mask = torch.eq(l, l.T).double() - torch.eye(e.shape[0], dtype=torch.float64)
    log_prob = sim - torch.log(torch.exp(sim).sum(dim=1, keepdim=True))
    return -((mask * log_prob).sum(dim=1) / (mask.sum(dim=1) + 1e-8)).mean()


for fn in (seed, seed_v2):
    z = z0.clone().requires_grad_(True)
    loss = fn(z, labels)
    loss.backward()
    print(repr(loss.item()))
    for g in z.grad.view(-1).tolist():
        print(repr(g))
