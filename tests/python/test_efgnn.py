"""The Python module efgnn, from Debian's python3 (run by ctest: PYTHONPATH=BUILD/python).

Usage: test_efgnn.py EFGNN_BINARY SOURCE_DIR; the efgnn command makes the input files.
"""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import efgnn

EFGNN, SOURCE = sys.argv.pop(1), sys.argv.pop(1)


def run(*args):
    subprocess.run([EFGNN, *args], check=True, stdout=subprocess.DEVNULL)


class Chain(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="efgnn-python-")
        d = cls.tmp.name
        cls.events, cls.map, cls.model, cls.graphs = (f"{d}/events", f"{d}/map.h5", f"{d}/model.efgnn", f"{d}/graphs")
        run("simulate", "--detector", "trackml", "--hard-scatter", "ttbar", "--pileup", "5", "--events", "3",
            "--seed", "9", "--format", "h5", "--threads", "1", "--out", cls.events)
        run("build-module-map", "--events", cls.events, "--out", cls.map, "--threads", "1")
        run("build-graphs", "--events", cls.events, "--module-map", cls.map, "--out", cls.graphs, "--threads", "1")
        run("export", "--config", f"{SOURCE}/configs/train/demo-h32.yaml", "--set", "hidden=8",
            "--set", "n_graph_iters=2", "--out", cls.model)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def graph_file(self, event_id):
        return f"{self.graphs}/event{event_id:09d}.h5"

    def test_classifier_scores_a_graph_read_from_file(self):
        ids = efgnn.event_ids(self.events)
        self.assertEqual(ids, sorted(ids))
        g = efgnn.read_graph(self.graph_file(ids[0]))
        self.assertEqual(g["x"].shape, (len(g["hit_id"]), len(g["node_feature_names"])))
        self.assertEqual(g["edge_index"].shape[0], 2)
        self.assertEqual(g["edge_index"].dtype, np.int64)
        clf = efgnn.EdgeClassifier(self.model)
        self.assertEqual(clf.node_features, g["x"].shape[1])
        self.assertFalse(clf.integer)
        s = clf.scores(g["x"], g["edge_index"], g["edge_attr"])
        self.assertEqual(s.dtype, np.float32)
        self.assertEqual(s.shape, (g["edge_index"].shape[1],))
        self.assertTrue(np.all((s > 0) & (s < 1)))
        # float64 inputs are converted; the result is the same
        np.testing.assert_array_equal(clf.scores(g["x"].astype(np.float64), g["edge_index"], g["edge_attr"]), s)
        with self.assertRaises(ValueError):  # features of the wrong width
            clf.scores(g["x"][:, :2], g["edge_index"], g["edge_attr"])
        with self.assertRaises(ValueError):  # an edge pointing past the last node
            bad = g["edge_index"].copy()
            bad[1, 0] = len(g["hit_id"])
            clf.scores(g["x"], bad, g["edge_attr"])

    def test_pipeline_on_hit_arrays_builds_the_same_graph_and_scores(self):
        p = efgnn.Pipeline(module_map=self.map, model=self.model, detector="trackml")
        clf = efgnn.EdgeClassifier(self.model)
        for index, event_id in enumerate(efgnn.event_ids(self.events)):
            ev = efgnn.read_event(self.events, index)
            self.assertIn("particle_id", ev)
            r = p.run(ev["x"], ev["y"], ev["z"], ev["volume_id"], ev["layer_id"], ev["module_id"], event_id)
            g = efgnn.read_graph(self.graph_file(event_id))
            np.testing.assert_array_equal(r["edge_index"], g["edge_index"])
            np.testing.assert_array_equal(r["scores"], clf.scores(g["x"], g["edge_index"], g["edge_attr"]))
            self.assertEqual(r["track_of_hit"].shape, ev["x"].shape)
            self.assertGreater(len(r["tracks"]), 0)
            for t, hits in enumerate(r["tracks"]):
                self.assertTrue(np.all(r["track_of_hit"][hits] == t))
            self.assertEqual(int((r["track_of_hit"] >= 0).sum()), sum(len(t) for t in r["tracks"]))
            self.assertEqual(set(r["ms"]), {"graph", "scoring", "tracks", "total"})
        with self.assertRaises(ValueError):  # arrays of different lengths
            p.run(ev["x"], ev["y"][:-1], ev["z"], ev["volume_id"], ev["layer_id"], ev["module_id"])

    def test_module_map_and_errors_name_the_file(self):
        m = efgnn.read_module_map(self.map)
        self.assertEqual(m["events"], 3)
        self.assertEqual(m["doublets"].shape[1], 2)
        self.assertEqual(m["triplets"].shape[1], 3)
        self.assertGreater(len(m["doublets"]), 0)
        self.assertTrue(np.all(m["doublets"] < len(m["modules"])))
        with self.assertRaisesRegex(ValueError, "absent.h5"):
            efgnn.read_graph(os.path.join(self.tmp.name, "absent.h5"))
        with self.assertRaisesRegex(ValueError, "absent.efgnn"):
            efgnn.EdgeClassifier(os.path.join(self.tmp.name, "absent.efgnn"))


if __name__ == "__main__":
    unittest.main()
