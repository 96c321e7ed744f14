"""Tables of bench/event-filter.sh: track efficiency per pT bin, losses by cause, unmatched tracks,
robustness. Usage: event_filter_tables.py OUT"""
import json
import os
import sys

out = sys.argv[1]
models = [("float", "h48 float"), ("float-longest", "h48 float, the reference walk (longest path)"),
          ("qat6", "h48 6-bit QAT"), ("pruned", "h48 6-bit, 64 % pruned"), ("pruned90", "h48 6-bit, 91.4 % pruned"),
          ("hybrid", "h48 6-bit, 90.1 % pruned (global to 64 %, then each layer)"),
          ("distill-h128", "h48 float, distilled from h128"),
          ("pruned-kd", "h48 6-bit, 90.3 % pruned, QAT and pruning taught by h128")]


def load(path):
    with open(path) as f:
        return json.load(f)


def pt_table(samples):
    """Track efficiency per pT bin, summed over the samples: folders whose tracks-MODEL.json
    `efgnn reconstruct` wrote; the models that every sample has."""
    header = None
    for key, label in models:
        if not all(os.path.exists(f"{sample}/tracks-{key}.json") for sample in samples):
            continue
        runs = [load(f"{sample}/tracks-{key}.json")["metrics"] for sample in samples]
        bins = [[sum(r["efficiency_vs_pt"][i][k] for r in runs) for k in ("passed", "total")]
                for i in range(len(runs[0]["efficiency_vs_pt"]))]
        if header is None:
            header = ["model", "all"] + [f"{b['lo']:g}–{b['hi']:g}" for b in runs[0]["efficiency_vs_pt"]] + \
                     ["fake (two-way)", "mixed + noise"]
            print("| " + " | ".join(header) + " |")
            print("|" + "---|" * len(header))
        tracks = sum(r["tracks"] for r in runs)
        found, targets = (sum(column) for column in zip(*bins))
        fakes = sum(r["fake_rate"] * r["tracks"] for r in runs)
        mixed = sum(r["unmatched_tracks"]["mixed"] + r["unmatched_tracks"]["noise"] for r in runs)
        cells = [label, f"{100 * found / targets:.2f}"]
        cells += [f"{100 * passed / total:.1f} ({passed:.0f}/{total:.0f})" if total else "–" for passed, total in bins]
        cells += [f"{100 * fakes / tracks:.2f}", f"{100 * mixed / tracks:.2f}"]
        print("| " + " | ".join(cells) + " |")


def causes():
    print("\n| model | cause | all | per pT bin (1–1.5 ... 50–100 GeV) |\n|---|---|---|---|")
    for key, label in models:
        m = load(f"{out}/tracks-{key}.json")["metrics"]
        for cause, v in m["lost_target_particles"].items():
            per_bin = " ".join("%.0f" % b["lost"] for b in v["vs_pt"])
            print(f"| {label} | {cause} | {v['lost']:.0f} | {per_bin} |")
    print("\n| model | counted tracks | fragment of a target | fragment of another | mixed | noise |\n|---|---|---|---|---|---|")
    for key, label in models:
        m = load(f"{out}/tracks-{key}.json")["metrics"]
        u = m["unmatched_tracks"]
        print(f"| {label} | {m['tracks']:.0f} | {u['fragment_of_target']:.0f} | {u['fragment_of_other']:.0f} | "
              f"{u['mixed']:.0f} | {u['noise']:.0f} |")


def robustness(directory, models, samples):
    """One row per model and sample: RUN/tracks-MODEL-SAMPLE.json of `efgnn reconstruct`, for the
    models that have the first sample."""
    models = [m for m in models if os.path.exists(f"{directory}/tracks-{m[0]}-{samples[0]}.json")]
    print("\n| model | sample | edgewise eff. % | total purity % | track eff. % | track eff. pT > 5 GeV % | fake % (two-way) | mixed + noise % |")
    print("|---|---|---|---|---|---|---|---|")
    for key, label in models:
        for s in samples:
            j = load(f"{directory}/tracks-{key}-{s}.json")
            m, e = j["metrics"], j["edge_metrics"]
            hi = [b for b in m["efficiency_vs_pt"] if b["lo"] >= 5]
            total, passed = sum(b["total"] for b in hi), sum(b["passed"] for b in hi)
            u = m["unmatched_tracks"]
            high = f"{100 * passed / total:.1f} ({passed:.0f}/{total:.0f})" if total else "–"
            print(f"| {label} | {s} | {100 * e['edgewise_efficiency']:.2f} | {100 * e['total_purity']:.2f} | "
                  f"{100 * m['track_efficiency']:.2f} | {high} | {100 * m['fake_rate']:.2f} | "
                  f"{100 * (u['mixed'] + u['noise']) / m['tracks']:.2f} |")


pt_table([out])
# 60 more test events (seed 15) and the 20 above together: the high-pT bins hold a few dozen
# particles in 20 events, too few for per-bin targets of 99 %.
print("\nTracks on 80 test events (seeds 13 and 15):\n")
pt_table([out, f"{out}/more"])
causes()
robustness(f"{out}/robust", models,
           ["nominal", "mu35", "mu65", "minbias", "misalign50um", "misalign200um", "noise2x"])
# The models trained at <mu> = 200, on samples around <mu> = 200 (6 events each).
robustness(f"{out}/robust200", [("float200", "h48 float"), ("qat6-200", "h48 6-bit QAT"),
                                ("gradual-200", "h48 6-bit, 64 % pruned")],
           ["nominal", "mu140", "mu250", "minbias", "misalign50um", "noise2x"])
