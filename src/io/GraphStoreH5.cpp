#include "io/GraphStoreH5.hpp"

#include "core/Error.hpp"
#include "io/H5File.hpp"

namespace efgnn {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "efgnn-graph";

/// Feature names as one string attribute, which h5py users split(',').
std::string joinNames(const std::vector<std::string>& names, const fs::path& file,
                      const char* kind) {
  std::string joined;
  for (const auto& name : names) {
    // Either would come back as a different list of names.
    if (name.empty() || name.find(',') != std::string::npos)
      throw Error(file.string() + ": " + kind + " feature name '" + name +
                  "' is empty or contains a comma");
    joined += (joined.empty() ? "" : ",") + name;
  }
  return joined;
}

std::vector<std::string> splitNames(const h5::Group& root, const std::string& attribute) {
  const auto joined = root.readAttribute<std::string>(attribute);
  std::vector<std::string> names;
  for (std::size_t begin = 0; !joined.empty();) {
    const std::size_t end = joined.find(',', begin);
    names.push_back(joined.substr(begin, end - begin));
    if (names.back().empty())
      throw root.where().error("attribute '" + attribute + "'",
                               "empty feature name in '" + joined + "'");
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return names;
}

/// Booleans are stored as u8; any value but 0 or 1 means a damaged or foreign file.
std::vector<std::uint8_t> readFlags(const h5::Group& group, const std::string& name,
                                    std::size_t length) {
  auto flags = group.readDataset<std::uint8_t>(name, length);
  for (std::size_t i = 0; i < flags.size(); ++i)
    if (flags[i] > 1)
      throw group.datasetError(name, "entry " + std::to_string(i) + " is " +
                                         std::to_string(flags[i]) + ", not 0 or 1");
  return flags;
}

/// An edge index [2, E] whose entries must be node indices. Checked here, not only by
/// Graph::validate, so that the error names the dataset.
std::vector<std::int64_t> readEdgeIndex(const h5::Group& group, std::size_t nodes) {
  auto index = group.readDataset2D<std::int64_t>("edge_index", 2, h5::kAny);
  const std::size_t edges = index.size() / 2;
  for (std::size_t i = 0; i < index.size(); ++i)
    if (index[i] < 0 || static_cast<std::uint64_t>(index[i]) >= nodes)
      throw group.datasetError("edge_index", "entry [" + std::to_string(i / edges) + ", " +
                                                 std::to_string(i % edges) + "] is " +
                                                 std::to_string(index[i]) + ", not one of the " +
                                                 std::to_string(nodes) + " nodes");
  return index;
}

h5::Group openGraphFile(const fs::path& path) {
  h5::Group root = h5::openFile(path);
  h5::readFormat(root, kFormat, kGraphFileVersion);
  return root;
}

}  // namespace

void writeGraphH5(const Graph& graph, const fs::path& file, const std::string& detector,
                  const std::string& builder) {
  graph.validate(file.string());
  const std::string node_features = joinNames(graph.node_feature_names, file, "node");
  const std::string edge_features = joinNames(graph.edge_feature_names, file, "edge");

  const auto lock = h5::lockHdf5();
  h5::NewFile out(file);
  const h5::Group& root = out.root();
  h5::writeFormat(root, kFormat, kGraphFileVersion);
  root.writeAttribute("event_id", graph.event_id);
  root.writeAttribute("detector", detector);
  root.writeAttribute("builder", builder);
  root.writeAttribute("node_features", node_features);
  root.writeAttribute("edge_features", edge_features);
  {
    const h5::Group nodes = root.createGroup("nodes");
    nodes.writeDataset2D("x", graph.x, graph.numNodes(), graph.numNodeFeatures());
    nodes.writeDataset("hit_id", graph.hit_id);
    nodes.writeDataset("particle_id", graph.node_particle);
  }
  {
    const h5::Group edges = root.createGroup("edges");
    edges.writeDataset2D("edge_index", graph.edge_index, 2, graph.numEdges());
    edges.writeDataset2D("edge_attr", graph.edge_attr, graph.numEdges(), graph.numEdgeFeatures());
    edges.writeDataset("y", graph.y);
    edges.writeDataset("y_target", graph.y_target);
    edges.writeDataset("particle_id", graph.edge_particle);
    edges.writeDataset("particle_pt", graph.edge_pt);
    edges.writeDataset("particle_eta", graph.edge_eta);
  }
  {
    const h5::Group truth = root.createGroup("truth");
    truth.writeDataset2D("edge_index", graph.truth_edge_index, 2, graph.numTruthEdges());
    truth.writeDataset("target", graph.truth_target);
    truth.writeDataset("particle_id", graph.truth_particle);
  }
  {
    const std::size_t n = graph.particles.size();
    std::vector<std::uint64_t> id(n);
    std::vector<float> pt(n), eta(n);
    std::vector<std::int32_t> nhits(n);
    std::vector<std::uint8_t> target(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& p = graph.particles[i];
      id[i] = p.particle_id;
      pt[i] = p.pt;
      eta[i] = p.eta;
      nhits[i] = p.nhits;
      target[i] = p.target;
    }
    const h5::Group particles = root.createGroup("particles");
    particles.writeDataset("particle_id", id);
    particles.writeDataset("pt", pt);
    particles.writeDataset("eta", eta);
    particles.writeDataset("nhits", nhits);
    particles.writeDataset("target", target);
  }
  out.commit();
}

Graph readGraphH5(const fs::path& path) {
  const auto lock = h5::lockHdf5();
  const h5::Group root = openGraphFile(path);
  Graph g;
  g.event_id = root.readAttribute<std::uint64_t>("event_id");
  g.node_feature_names = splitNames(root, "node_features");
  g.edge_feature_names = splitNames(root, "edge_features");
  {
    const h5::Group nodes = root.openGroup("nodes");
    g.hit_id = nodes.readDataset<std::uint64_t>("hit_id");
    g.node_particle = nodes.readDataset<std::uint64_t>("particle_id", g.numNodes());
    g.x = nodes.readDataset2D<float>("x", g.numNodes(), g.numNodeFeatures());
  }
  {
    const h5::Group edges = root.openGroup("edges");
    g.edge_index = readEdgeIndex(edges, g.numNodes());
    const std::size_t e = g.numEdges();
    g.edge_attr = edges.readDataset2D<float>("edge_attr", e, g.numEdgeFeatures());
    g.y = readFlags(edges, "y", e);
    g.y_target = readFlags(edges, "y_target", e);
    g.edge_particle = edges.readDataset<std::uint64_t>("particle_id", e);
    g.edge_pt = edges.readDataset<float>("particle_pt", e);
    g.edge_eta = edges.readDataset<float>("particle_eta", e);
  }
  {
    const h5::Group truth = root.openGroup("truth");
    g.truth_edge_index = readEdgeIndex(truth, g.numNodes());
    g.truth_target = readFlags(truth, "target", g.numTruthEdges());
    g.truth_particle = truth.readDataset<std::uint64_t>("particle_id", g.numTruthEdges());
  }
  {
    const h5::Group particles = root.openGroup("particles");
    const auto id = particles.readDataset<std::uint64_t>("particle_id");
    const auto pt = particles.readDataset<float>("pt", id.size());
    const auto eta = particles.readDataset<float>("eta", id.size());
    const auto nhits = particles.readDataset<std::int32_t>("nhits", id.size());
    const auto target = readFlags(particles, "target", id.size());
    g.particles.resize(id.size());
    for (std::size_t i = 0; i < id.size(); ++i)
      g.particles[i] = {id[i], pt[i], eta[i], nhits[i], target[i] == 1};
  }
  g.validate(path.string());
  return g;
}

std::string detectorOfGraphH5(const fs::path& path) {
  const auto lock = h5::lockHdf5();
  return openGraphFile(path).readAttribute<std::string>("detector");
}

}  // namespace efgnn
