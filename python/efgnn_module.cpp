// Python bindings: the runtime's edge classifier, the deployable pipeline on hit arrays, and the
// readers of efgnn's graph, event and module-map files. Inputs are read in place when they are
// C-contiguous arrays of the expected type (others are converted once); outputs hand their
// buffers to NumPy without a copy.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "core/Error.hpp"
#include "geometry/DetectorConfig.hpp"
#include "graph/ModuleMapFile.hpp"
#include "io/EventSource.hpp"
#include "io/GraphStoreH5.hpp"
#include "pipeline/Pipeline.hpp"
#include "runtime/EdgeClassifier.hpp"

namespace py = pybind11;
using namespace efgnn;

namespace {

template <class T>
using Input = py::array_t<T, py::array::c_style | py::array::forcecast>;

/// A NumPy array owning `values` (moved, not copied), with the given shape.
template <class T>
py::array_t<T> toNumpy(std::vector<T>&& values, std::vector<py::ssize_t> shape = {}) {
  if (shape.empty()) shape = {static_cast<py::ssize_t>(values.size())};
  auto* owned = new std::vector<T>(std::move(values));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(shape, owned->data(), free_when_done);
}

template <class T>
std::span<const T> spanOf(const Input<T>& a, const char* name) {
  if (a.ndim() != 1) throw Error(std::string(name) + ": a 1-D array expected, got " + std::to_string(a.ndim()) + "-D");
  return {a.data(), static_cast<std::size_t>(a.shape(0))};
}

class PyEdgeClassifier {
 public:
  PyEdgeClassifier(const std::string& file, int threads)
      : classifier_(runtime::EdgeClassifier::load(file, {.threads = threads})) {}
  py::array_t<float> scores(const Input<float>& x, const Input<std::int64_t>& edge_index,
                            const std::optional<Input<float>>& edge_attr) const {
    if (x.ndim() != 2) throw Error("x: [num_nodes, node_features] expected");
    if (edge_index.ndim() != 2 || edge_index.shape(0) != 2) throw Error("edge_index: [2, num_edges] expected");
    runtime::GraphInput in;
    in.x = x.data();
    in.num_nodes = x.shape(0);
    in.node_features = x.shape(1);
    in.edge_index = edge_index.data();
    in.num_edges = edge_index.shape(1);
    if (edge_attr) {
      if (edge_attr->ndim() != 2) throw Error("edge_attr: [num_edges, edge_features] expected");
      in.edge_attr = edge_attr->data();
      in.edge_features = edge_attr->shape(1);
    }
    std::vector<float> s;
    {
      py::gil_scoped_release unlocked;
      s = classifier_.scores(in);
    }
    return toNumpy(std::move(s));
  }
  const runtime::EdgeClassifier& classifier() const { return classifier_; }

 private:
  runtime::EdgeClassifier classifier_;
};

py::dict graphDict(Graph&& g) {
  py::dict d;
  const auto n = static_cast<py::ssize_t>(g.numNodes()), e = static_cast<py::ssize_t>(g.numEdges());
  d["event_id"] = g.event_id;
  d["node_feature_names"] = g.node_feature_names;
  d["edge_feature_names"] = g.edge_feature_names;
  d["x"] = toNumpy(std::move(g.x), {n, static_cast<py::ssize_t>(g.numNodeFeatures())});
  d["hit_id"] = toNumpy(std::move(g.hit_id));
  d["edge_index"] = toNumpy(std::move(g.edge_index), {2, e});
  d["edge_attr"] = toNumpy(std::move(g.edge_attr), {e, static_cast<py::ssize_t>(g.numEdgeFeatures())});
  d["y"] = toNumpy(std::move(g.y));
  d["y_target"] = toNumpy(std::move(g.y_target));
  d["edge_particle"] = toNumpy(std::move(g.edge_particle));
  d["node_particle"] = toNumpy(std::move(g.node_particle));
  return d;
}

py::dict eventDict(const Event& ev) {
  const std::size_t n = ev.hits.size();
  std::vector<float> x(n), y(n), z(n);
  std::vector<std::int32_t> volume(n), layer(n), module(n);
  std::vector<std::uint64_t> hit_id(n), particle_id(ev.hasTruth() ? n : 0);
  for (std::size_t i = 0; i < n; ++i) {
    const SpacePoint& h = ev.hits[i];
    hit_id[i] = h.hit_id, x[i] = h.x, y[i] = h.y, z[i] = h.z;
    volume[i] = h.volume_id, layer[i] = h.layer_id, module[i] = h.module_id;
    if (ev.hasTruth()) particle_id[i] = ev.truth[i].particle_id;
  }
  py::dict d;
  d["event_id"] = ev.event_id;
  d["hit_id"] = toNumpy(std::move(hit_id));
  d["x"] = toNumpy(std::move(x));
  d["y"] = toNumpy(std::move(y));
  d["z"] = toNumpy(std::move(z));
  d["volume_id"] = toNumpy(std::move(volume));
  d["layer_id"] = toNumpy(std::move(layer));
  d["module_id"] = toNumpy(std::move(module));
  if (ev.hasTruth()) d["particle_id"] = toNumpy(std::move(particle_id));
  return d;
}

class PyPipeline {
 public:
  PyPipeline(const std::string& module_map, const std::string& model, const std::string& detector,
             const std::string& builder, float tolerance, int event_threads) {
    Pipeline::Files f;
    f.detector = std::make_shared<const Detector>(loadDetector(detector));
    f.module_map = module_map;
    f.model = model;
    f.builder = builder;
    f.map.relative_tolerance = tolerance;
    f.pipeline.event_threads = event_threads;
    pipeline_ = std::make_unique<Pipeline>(Pipeline::fromFiles(f));
  }

  py::dict run(const Input<float>& x, const Input<float>& y, const Input<float>& z, const Input<std::int32_t>& volume,
               const Input<std::int32_t>& layer, const Input<std::int32_t>& module, std::uint64_t event_id) const {
    const Event event = eventOf({spanOf(x, "x"), spanOf(y, "y"), spanOf(z, "z"), spanOf(volume, "volume_id"),
                                 spanOf(layer, "layer_id"), spanOf(module, "module_id")},
                                event_id);
    PipelineResult r;
    {
      py::gil_scoped_release unlocked;
      r = pipeline_->run(event, "hits");
    }
    // Each hit's track (its index in `tracks`), -1 for hits on none.
    std::vector<std::int64_t> track_of_hit(event.hits.size(), -1);
    py::list tracks;
    for (std::size_t t = 0; t < r.tracks.size(); ++t) {
      for (const auto node : r.tracks[t]) track_of_hit[node] = static_cast<std::int64_t>(t);
      tracks.append(toNumpy(std::move(r.tracks[t])));
    }
    py::dict d;
    d["tracks"] = tracks;
    d["track_of_hit"] = toNumpy(std::move(track_of_hit));
    const auto e = static_cast<py::ssize_t>(r.graph.numEdges());
    d["edge_index"] = toNumpy(std::move(r.graph.edge_index), {2, e});
    d["scores"] = toNumpy(std::move(r.scored.scores));
    py::dict ms;
    ms["graph"] = r.ms.graph;
    ms["scoring"] = r.ms.scoring;
    ms["tracks"] = r.ms.tracks;
    ms["total"] = r.ms.total();
    d["ms"] = ms;
    return d;
  }

 private:
  std::unique_ptr<Pipeline> pipeline_;
};

}  // namespace

PYBIND11_MODULE(efgnn, m) {
  m.doc() = "efgnn: GNN tracking's deployable chain (graph construction, edge classifier runtime, track building)";
  py::register_exception<Error>(m, "Error", PyExc_ValueError);
  py::register_exception<runtime::InputError>(m, "InputError", PyExc_ValueError);
  py::register_exception<runtime::ModelFileError>(m, "ModelFileError", PyExc_ValueError);

  py::class_<PyEdgeClassifier>(m, "EdgeClassifier",
                               "An exported model (efgnn export) on the runtime: one score per edge.")
      .def(py::init<const std::string&, int>(), py::arg("model"), py::arg("threads") = 1)
      .def("scores", &PyEdgeClassifier::scores, py::arg("x"), py::arg("edge_index"), py::arg("edge_attr") = py::none(),
           "Scores (sigmoid of the logits), float32 [E], of node features x [N, F], edge_index [2, E] (int64) "
           "and edge features [E, Fe]")
      .def_property_readonly("node_features", [](const PyEdgeClassifier& c) { return c.classifier().nodeFeatures(); })
      .def_property_readonly("edge_features", [](const PyEdgeClassifier& c) { return c.classifier().edgeFeatures(); })
      .def_property_readonly("integer", [](const PyEdgeClassifier& c) { return c.classifier().integer(); });

  py::class_<PyPipeline>(m, "Pipeline",
                         "Hits to tracks: module-map graph construction, the runtime, track building.")
      .def(py::init<const std::string&, const std::string&, const std::string&, const std::string&, float, int>(),
           py::arg("module_map"), py::arg("model"), py::arg("detector") = "trackml", py::arg("builder") = "walk",
           py::arg("tolerance") = 0.1f, py::arg("event_threads") = 1)
      .def("run", &PyPipeline::run, py::arg("x"), py::arg("y"), py::arg("z"), py::arg("volume_id"),
           py::arg("layer_id"), py::arg("module_id"), py::arg("event_id") = 0,
           "One event's hits (positions in mm, TrackML module ids) -> dict: tracks (hit indices per track), "
           "track_of_hit, edge_index, scores, ms (graph, scoring, tracks, total)");

  m.def("read_graph", [](const std::string& file) { return graphDict(readGraphH5(file)); }, py::arg("file"),
        "An efgnn graph file (build-graphs) as a dict of NumPy arrays");
  m.def("event_ids", [](const std::string& dir) {
        const EventDirectory events(dir);
        std::vector<std::uint64_t> ids;
        for (std::size_t i = 0; i < events.size(); ++i) ids.push_back(events.eventId(i));
        return ids;
      }, py::arg("events"), "Event ids of a directory of events (TrackML CSV or efgnn HDF5), sorted");
  m.def("read_event", [](const std::string& dir, std::size_t index) {
        const EventDirectory events(dir);
        if (index >= events.size()) throw Error(dir + ": event index " + std::to_string(index) + " of " + std::to_string(events.size()));
        return eventDict(events.read(index));
      }, py::arg("events"), py::arg("index"), "The index-th event of a directory: hits (and particle_id with truth)");
  m.def("read_module_map", [](const std::string& file) {
        ModuleMap map = readModuleMap(file);
        std::vector<std::uint32_t> doublets, triplets;
        for (const auto& d : map.doublets) doublets.insert(doublets.end(), {d.a, d.b});
        for (const auto& t : map.triplets) triplets.insert(triplets.end(), {t.a, t.b, t.c});
        std::vector<std::int32_t> modules;
        for (const auto& id : map.modules) modules.insert(modules.end(), id.begin(), id.end());
        py::dict d;
        d["events"] = map.events;
        d["modules"] = toNumpy(std::move(modules), {static_cast<py::ssize_t>(map.modules.size()), 3});
        d["doublets"] = toNumpy(std::move(doublets), {static_cast<py::ssize_t>(map.doublets.size()), 2});
        d["triplets"] = toNumpy(std::move(triplets), {static_cast<py::ssize_t>(map.triplets.size()), 3});
        return d;
      }, py::arg("file"), "A module map (build-module-map): (volume, layer, module) per module index, doublets and triplets of module indices");
}
