"""Writes a checkpoint as the reference pipeline (ACORN / GNN4ITk CommonFramework) saves an
InteractionGNN2 -- a PyTorch Lightning dict with state_dict and hyper_parameters -- for a small
model built here with the reference's module names and layer layout (REFERENCE.md section 13),
plus a random graph and the scores PyTorch computes for it, for efgnn's import test.

usage: make_reference_checkpoint.py OUT_DIR VARIANT SEED
VARIANT: layernorm, batchnorm (batch statistics at inference), batchnorm_running (running
statistics), recurrent (layernorm, shared networks, no edge features)

Writes OUT_DIR/model.ckpt, x.f32 [N, 4], edge_index.i64 [2, E], edge_attr.f32 [E, 6],
scores.f32 [E] (logits, evaluation mode) and shape.txt ("N E").
"""
import sys

import torch
import torch.nn as nn


class AttributeDict(dict):
    """Lightning keeps hyper-parameters in a dict subclass; pickled as one."""


def mlp(width_in, widths, hp, end_activation, end_batchnorm):
    """[Linear, norm, activation] per hidden layer; the last Linear is followed by BatchNorm (on
    request) and an activation only when end_activation is given, as the reference does."""
    layers = []
    sizes = [width_in] + widths
    for i in range(len(widths)):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        last = i + 1 == len(widths)
        if not last or end_activation is not None:
            if hp["layernorm"] and not last:
                layers.append(nn.LayerNorm(sizes[i + 1], elementwise_affine=False))
            if hp["batchnorm"] and (not last or end_batchnorm):
                layers.append(nn.BatchNorm1d(sizes[i + 1], eps=6e-05, affine=True,
                                             track_running_stats=hp["track_running_stats"]))
            layers.append(getattr(nn, hp["hidden_activation"] if not last else end_activation)())
    return nn.Sequential(*layers)


class ReferenceIgnn2(nn.Module):
    def __init__(self, hp):
        super().__init__()
        self.hp = hp
        h = hp["hidden"]
        end = (hp["output_activation"], hp["output_batch_norm"])
        state = 2 * h if hp["concat"] else h
        node_in = (2 * h if hp["in_out_diff_agg"] else h) + state
        self.node_encoder = mlp(len(hp["node_features"]), [h] * hp["n_node_net_layers"], hp, *end)
        edge_in = len(hp["edge_features"]) or 2 * h
        self.edge_encoder = mlp(edge_in, [h] * hp["n_edge_net_layers"], hp, *end)
        if hp["edge_net_recurrent"]:
            self.edge_network = mlp(3 * state, [h] * hp["n_edge_net_layers"], hp, *end)
        else:
            self.edge_network = nn.ModuleList(
                [mlp(3 * state, [h] * hp["n_edge_net_layers"], hp, *end) for _ in range(hp["n_graph_iters"])])
        if hp["node_net_recurrent"]:
            self.node_network = mlp(node_in, [h] * hp["n_node_net_layers"], hp, *end)
        else:
            self.node_network = nn.ModuleList(
                [mlp(node_in, [h] * hp["n_node_net_layers"], hp, *end) for _ in range(hp["n_graph_iters"])])
        self.edge_decoder = mlp(h, [h] * hp["n_edge_decoder_layers"], hp, *end)
        self.edge_output_transform = mlp(h, [h, 1], hp, None, False)

    def forward(self, x, edge_index, edge_attr):
        src, dst = edge_index
        x = self.node_encoder(x)
        e = self.edge_encoder(edge_attr if len(self.hp["edge_features"]) else torch.cat([x[src], x[dst]], -1))
        x0, e0 = x, e
        for i in range(self.hp["n_graph_iters"]):
            if self.hp["concat"]:
                x, e = torch.cat([x, x0], -1), torch.cat([e, e0], -1)
            net = self.edge_network if self.hp["edge_net_recurrent"] else self.edge_network[i]
            e = net(torch.cat([e, x[src], x[dst]], -1))
            into = torch.zeros(x.shape[0], e.shape[1]).index_add_(0, dst, e)
            out_of = torch.zeros(x.shape[0], e.shape[1]).index_add_(0, src, e)
            messages = torch.cat([into, out_of], -1) if self.hp["in_out_diff_agg"] else into + out_of
            net = self.node_network if self.hp["node_net_recurrent"] else self.node_network[i]
            x = net(torch.cat([messages, x], -1))
        return self.edge_output_transform(self.edge_decoder(e)).squeeze(-1)


def main():
    out, variant, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.manual_seed(seed)
    hp = AttributeDict(
        model="InteractionGNN2", node_features=["r", "phi", "z", "eta"],
        edge_features=["dr", "dphi", "dz", "deta", "phislope", "rphislope"], node_scales=[1000, 3.14159265359, 1000, 1],
        hidden=8, n_graph_iters=3, n_node_net_layers=3, n_edge_net_layers=3, n_edge_decoder_layers=3,
        layernorm=True, batchnorm=False, track_running_stats=False, output_batch_norm=False,
        hidden_activation="ReLU", output_activation="ReLU", edge_output_transform_final_activation=None,
        concat=True, in_out_diff_agg=True, node_net_recurrent=False, edge_net_recurrent=False,
        checkpointing=False, lr=0.001, factor=0.9, patience=10, warmup=5, edge_cut=0.5, weighting=[{"weight": 1.0}])
    if variant.startswith("batchnorm"):
        hp.update(layernorm=False, batchnorm=True, output_batch_norm=True, hidden_activation="SiLU",
                  track_running_stats=variant == "batchnorm_running")
    elif variant == "recurrent":
        hp.update(edge_features=[], node_net_recurrent=True, edge_net_recurrent=True, output_activation="Tanh",
                  in_out_diff_agg=False)
    elif variant != "layernorm":
        raise SystemExit("unknown variant " + variant)
    model = ReferenceIgnn2(hp)
    # Weights away from PyTorch's initialisation, so that scores spread and every tensor matters
    # (BatchNorm's scale and shift are 1 and 0 at first).
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 2:
                p.normal_(0, 1.5 / p.shape[1] ** 0.5)
            else:
                p.normal_(0.5 if name.endswith("weight") else 0, 0.5)
    n, e = 40, 150
    x = torch.randn(n, 4)
    edge_index = torch.randint(0, n, (2, e))
    edge_attr = torch.randn(e, 6)
    if hp["track_running_stats"]:
        model.train()
        with torch.no_grad():
            for _ in range(3):
                model(torch.randn(n, 4), edge_index, torch.randn(e, 6))
    model.eval()
    with torch.no_grad():
        scores = model(x, edge_index, edge_attr)
    torch.save({"epoch": 7, "global_step": 700, "pytorch-lightning_version": "2.1.3",
                "state_dict": model.state_dict(), "loops": {"fit_loop": {"epoch_progress": {"current": 7}}},
                "callbacks": {}, "optimizer_states": [{"state": {0: {"step": torch.tensor(700.0)}},
                                                       "param_groups": [{"lr": 0.001, "params": [0, 1]}]}],
                "lr_schedulers": [], "hparams_name": "hparams", "hyper_parameters": hp}, out + "/model.ckpt")
    x.numpy().tofile(out + "/x.f32")
    edge_index.numpy().tofile(out + "/edge_index.i64")
    edge_attr.numpy().tofile(out + "/edge_attr.f32")
    scores.numpy().tofile(out + "/scores.f32")
    with open(out + "/shape.txt", "w") as f:
        f.write(f"{n} {e}\n")


if __name__ == "__main__":
    main()
