#!/usr/bin/env python3
"""The same InteractionGNN2 written the usual way in PyTorch (Python), for bench/train_step.sh:
seconds per training step (forward, weighted BCE, backward, AdamW) and peak memory on one
efgnn graph file. Reads the graph with h5py; the model follows REFERENCE.md section 2 (concat,
separate in/out sums, LayerNorm without affine, ReLU), its edge networks gathering
[e, x_src, x_dst] per edge as common implementations do."""
import argparse, ctypes, json, os, resource, statistics, time

import h5py
import torch
from torch import nn


def keep_freed_memory_for_reuse():
    """The allocator settings efgnn makes at start-up (src/core/Allocator.cpp), so that both
    sides of a comparison allocate alike: glibc without mmap for large blocks and without
    trimming, freed memory reused. Skipped as efgnn skips it (EFGNN_SYSTEM_MALLOC=1 or
    GLIBC_TUNABLES set)."""
    if os.environ.get("EFGNN_SYSTEM_MALLOC") == "1":
        return "system default (EFGNN_SYSTEM_MALLOC=1)"
    if "GLIBC_TUNABLES" in os.environ:
        return "GLIBC_TUNABLES from the environment"
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return "system default (not glibc)"
    M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_MAX = -1, -2, -4
    ok = libc.mallopt(M_MMAP_MAX, 0) == 1 and libc.mallopt(M_TRIM_THRESHOLD, 0x7fffffff) == 1 and \
        libc.mallopt(M_TOP_PAD, 64 << 20) == 1
    return "glibc: no mmap, no trimming (freed memory reused)" if ok else "system default (mallopt refused)"


ALLOCATOR = keep_freed_memory_for_reuse()  # before torch allocates anything large


def mlp(width_in, hidden, layers):
    mods, width = [], width_in
    for _ in range(layers):
        mods += [nn.Linear(width, hidden), nn.LayerNorm(hidden, elementwise_affine=False), nn.ReLU()]
        width = hidden
    return nn.Sequential(*mods)


class InteractionGNN2(nn.Module):
    def __init__(self, node_features, edge_features, hidden=48, iterations=8, layers=3):
        super().__init__()
        h = hidden
        self.iterations = iterations
        self.node_encoder = mlp(node_features, h, layers)
        self.edge_encoder = mlp(edge_features, h, layers)
        self.edge_networks = nn.ModuleList([mlp(6 * h, h, layers) for _ in range(iterations)])
        self.node_networks = nn.ModuleList([mlp(4 * h, h, layers) for _ in range(iterations)])
        self.edge_decoder = mlp(h, h, layers)
        self.output = nn.Sequential(nn.Linear(h, h), nn.LayerNorm(h, elementwise_affine=False), nn.ReLU(), nn.Linear(h, 1))

    def forward(self, x, edge_index, edge_attr):
        src, dst = edge_index
        x = self.node_encoder(x)
        e = self.edge_encoder(edge_attr)
        x0, e0 = x, e
        for i in range(self.iterations):
            x = torch.cat([x, x0], 1)
            e = torch.cat([e, e0], 1)
            e = self.edge_networks[i](torch.cat([e, x[src], x[dst]], 1))
            incoming = torch.zeros(x.shape[0], e.shape[1]).index_add_(0, dst, e)
            outgoing = torch.zeros(x.shape[0], e.shape[1]).index_add_(0, src, e)
            x = self.node_networks[i](torch.cat([incoming, outgoing, x], 1))
        return self.output(self.edge_decoder(e)).squeeze(-1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--graph", required=True)
    p.add_argument("--hidden", type=int, default=48)
    p.add_argument("--iterations", type=int, default=8)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    with h5py.File(a.graph, "r") as f:
        x = torch.tensor(f["nodes/x"][:])
        edge_index = torch.tensor(f["edges/edge_index"][:])
        edge_attr = torch.tensor(f["edges/edge_attr"][:])
        y = torch.tensor(f["edges/y"][:]).float()
        target = torch.tensor(f["edges/y_target"][:]).float()
    weight = torch.where(target > 0.5, 1.0, torch.where(y > 0.5, 0.0, 0.1))
    torch.manual_seed(0)
    model = InteractionGNN2(x.shape[1], edge_attr.shape[1], a.hidden, a.iterations)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=0.01, amsgrad=True)
    times = []
    for step in range(a.warmup + a.steps):
        start = time.perf_counter()
        opt.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(model(x, edge_index, edge_attr), target, weight=weight)
        loss.backward()
        opt.step()
        if step >= a.warmup:
            times.append(time.perf_counter() - start)
    print(json.dumps({
        "implementation": "pytorch-python", "torch": torch.__version__, "nodes": x.shape[0], "edges": edge_attr.shape[0],
        "parameters": sum(p.numel() for p in model.parameters()), "threads": torch.get_num_threads(),
        "step_seconds_median": statistics.median(times), "step_seconds_min": min(times), "step_seconds_max": max(times),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, "allocator": ALLOCATOR}, indent=2))


if __name__ == "__main__":
    main()
