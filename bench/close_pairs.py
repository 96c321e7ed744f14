#!/usr/bin/python3
"""High-pT target particles by the angle to their nearest charged neighbour, and how many of each
class the tracks found (BENCHMARKS.md, "Tracks in jet cores"). Also the same angle in the real
TrackML event's particle list, to compare the generator's jets with Pythia's.

Usage: bench/close_pairs.py EVENTS TRACKS   (EVENTS: efgnn HDF5 events with truth; TRACKS: the
       folder `efgnn reconstruct --out` wrote). Needs h5py (Debian's /usr/bin/python3).
A track finds a particle with two-way matching (more than half of the track's hits are the
particle's and more than half of the particle's hits are on the track), tracks of >= 5 hits;
target particles: pT > 5 GeV here, |eta| < 4, >= 5 hits, primary, not electrons (REFERENCE.md 3).
"""
import collections, csv, glob, os, sys

import h5py
import numpy as np

BINS = ((0, 0.005), (0.005, 0.01), (0.01, 0.02), (0.02, np.inf))  # rad


def nearest_angles(p, candidates, targets):
    """Angle from each target momentum to the nearest other candidate momentum."""
    u = p / np.linalg.norm(p, axis=1, keepdims=True)
    out = []
    for i in targets:
        a = np.arccos(np.clip(u[candidates] @ u[i], -1, 1))
        a[candidates == i] = np.inf
        out.append(a.min())
    return np.array(out)


def real_event(path):
    rows = list(csv.DictReader(open(path)))
    p = np.array([[float(r[k]) for k in ("px", "py", "pz")] for r in rows])
    charged = np.array([int(r["q"]) != 0 for r in rows]) & (np.array([int(r["nhits"]) for r in rows]) >= 5)
    pt = np.hypot(p[:, 0], p[:, 1])
    return nearest_angles(p, np.where(charged & (pt > 1))[0], np.where(charged & (pt > 5))[0])


def simulated(events, tracks_dir):
    found_by_angle = []
    for path in sorted(glob.glob(f"{events}/event*.h5")):
        name = os.path.basename(path)[:-3]
        f = h5py.File(path)[name]
        hit_particle = f["truth/particle_id"][:]
        index = {h: i for i, h in enumerate(f["hits/hit_id"][:])}
        P = {k: f["particles/" + k][:] for k in ("particle_id", "px", "py", "pz", "nhits", "primary", "pdg_id", "q")}
        tracks = collections.defaultdict(list)
        for row in csv.DictReader(open(f"{tracks_dir}/{name}-tracks.csv")):
            tracks[int(row["track_id"])].append(index[int(row["hit_id"])])
        hits_of = collections.Counter(hit_particle)
        found = set()
        for hits in tracks.values():
            if len(hits) < 5:
                continue
            particle, n = collections.Counter(hit_particle[hits]).most_common(1)[0]
            if n > len(hits) / 2 and n > hits_of[particle] / 2:
                found.add(particle)
        p = np.stack([P["px"], P["py"], P["pz"]], 1)
        pt = np.hypot(P["px"], P["py"])
        eta = np.arctanh(P["pz"] / np.linalg.norm(p, axis=1))
        pid = P["particle_id"]
        n_hits = np.array([hits_of[i] for i in pid])
        targets = np.where((pt > 5) & (np.abs(eta) < 4) & (n_hits >= 5) & (P["primary"] != 0)
                           & (np.abs(P["pdg_id"]) != 11))[0]
        candidates = np.where((P["q"] != 0) & (pt > 1) & (P["nhits"] >= 5))[0]
        for i, a in zip(targets, nearest_angles(p, candidates, targets)):
            found_by_angle.append((a, pid[i] in found))
    return np.array(found_by_angle)


if __name__ == "__main__":
    events, tracks_dir = sys.argv[1], sys.argv[2]
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    real = real_event(os.path.join(repo, "..", "shared", "data", "trackml", "event000001000-particles.csv"))
    print(f"real TrackML event 1000: {len(real)} charged particles above 5 GeV, "
          f"{np.sum(real < 0.005)} with a neighbour above 1 GeV within 5 mrad")
    r = simulated(events, tracks_dir)
    print(f"{events}: {len(r)} target particles above 5 GeV, {np.sum(r[:, 0] < 0.005)} within 5 mrad")
    for lo, hi in BINS:
        s = r[(r[:, 0] >= lo) & (r[:, 0] < hi)]
        print(f"  nearest {1000 * lo:.0f}-{1000 * hi:.0f} mrad: {int(s[:, 1].sum())}/{len(s)} found")
