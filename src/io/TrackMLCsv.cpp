#include "io/TrackMLCsv.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "io/CsvTable.hpp"
#include "io/EventFields.hpp"

namespace efgnn {

namespace fs = std::filesystem;
using namespace io;

namespace {

constexpr std::array<std::string_view, 3> kKinds = {"hits", "particles", "truth"};
// [mm] TrackML particle files tell a particle's origin only by its production vertex.
constexpr double kPrimaryRadius = 1.0;

fs::path eventFile(const fs::path& dir, std::uint64_t event_id, std::string_view kind, bool gzip) {
  return dir / (eventStem(event_id) + "-" + std::string(kind) + (gzip ? ".csv.gz" : ".csv"));
}

/// The .csv or .csv.gz file of one kind, if there is one; both at once is ambiguous.
std::optional<fs::path> findEventFile(const fs::path& dir, std::uint64_t event_id,
                                      std::string_view kind) {
  const fs::path plain = eventFile(dir, event_id, kind, false);
  const fs::path gz = eventFile(dir, event_id, kind, true);
  const bool has_plain = fs::exists(plain), has_gz = fs::exists(gz);
  if (has_plain && has_gz)
    throw Error(plain.string() + " and " + gz.filename().string() + " both exist; remove one");
  if (has_plain) return plain;
  if (has_gz) return gz;
  return std::nullopt;
}

/// One record per row. TrackML columns are required, except those that some files lack; missing
/// optional columns leave the record's default values.
template <class Record, class Fields>
std::vector<Record> readRecords(const CsvTable& table, const Fields& fields) {
  std::vector<std::optional<std::size_t>> columns;
  forEachField(fields, [&](const auto& f) {
    columns.push_back(f.required() ? table.column(f.name) : table.findColumn(f.name));
  });
  std::vector<Record> records(table.rows());
  for (std::size_t row = 0; row < records.size(); ++row) {
    auto column = columns.begin();
    forEachField(fields, [&](const auto& f) {
      if (const auto col = *column++)
        f.get(records[row]) = table.get<FieldType<Record, decltype(f)>>(row, *col);
    });
  }
  return records;
}

template <class Fields>
void putHeader(CsvWriter& out, const Fields& fields) {
  forEachField(fields, [&](const auto& f) { out.put(f.name); });
}

template <class Record, class Fields>
void putRecord(CsvWriter& out, const Fields& fields, const Record& record) {
  forEachField(fields, [&](const auto& f) { out.put(f.get(record)); });
}

/// The optional cluster columns: all six or none in the header; per row all six empty (a pixel
/// hit) or all six set (a strip space point).
void readClusters(const CsvTable& table, std::vector<SpacePoint>& hits) {
  if (!table.findColumn(clusterColumn(0))) return;
  std::array<std::size_t, kClusterColumns> cols;
  for (std::size_t k = 0; k < kClusterColumns; ++k) cols[k] = table.column(clusterColumn(k));
  for (std::size_t row = 0; row < hits.size(); ++row) {
    const auto empty = std::count_if(cols.begin(), cols.end(),
                                     [&](std::size_t c) { return table.field(row, c).empty(); });
    if (empty == static_cast<long>(kClusterColumns)) continue;
    auto& clusters = hits[row].clusters.emplace();
    for (std::size_t k = 0; k < kClusterColumns; ++k) {
      if (empty > 0 && table.field(row, cols[k]).empty())
        throw table.error(row, cols[k], "empty while other cluster columns are set");
      clusterCoordinate(clusters, k) = table.get<float>(row, cols[k]);
    }
  }
}

/// The efgnn cells summary columns of a hits file (cell_count, cell_charge: both or none); empty
/// without them.
std::vector<HitCells> readCellColumns(const CsvTable& table) {
  bool any = false;
  forEachField(kCellFields, [&](const auto& f) { any = any || table.findColumn(f.name); });
  if (!any) return {};
  forEachField(kCellFields, [&](const auto& f) { table.column(f.name); });  // both or none
  auto cells = readRecords<HitCells>(table, kCellFields);
  const std::size_t charge_col = table.column("cell_charge");
  for (std::size_t row = 0; row < cells.size(); ++row)
    if (cells[row].count == 0 && cells[row].charge != 0)
      throw table.error(row, charge_col, "non-zero charge for a hit whose cell_count is 0");
  return cells;
}

/// hit_id -> index into hits; throws on a duplicate.
std::unordered_map<std::uint64_t, std::size_t> indexHits(const CsvTable& table,
                                                         const std::vector<SpacePoint>& hits) {
  std::unordered_map<std::uint64_t, std::size_t> index;
  index.reserve(hits.size());
  for (std::size_t i = 0; i < hits.size(); ++i) {
    const auto [it, inserted] = index.emplace(hits[i].hit_id, i);
    if (!inserted)
      throw table.error(i, table.column("hit_id"),
                        "duplicate hit_id " + std::to_string(hits[i].hit_id) + " (first on line " +
                            std::to_string(table.line(it->second)) + ")");
  }
  return index;
}

/// Truth in hit order, matched by hit_id; every hit needs exactly one row. With a particles file
/// (`particles_table` not null), every non-noise particle_id must be one of its particles.
std::vector<HitTruth> readTruth(const CsvTable& table, const CsvTable& hits_table,
                                const std::vector<SpacePoint>& hits,
                                const std::unordered_map<std::uint64_t, std::size_t>& hit_index,
                                const CsvTable* particles_table,
                                const std::vector<Particle>& particles) {
  const auto rows = readRecords<HitTruth>(table, kTruthFields);
  const std::size_t hit_col = table.column("hit_id");
  const std::size_t particle_col = table.column("particle_id");
  std::unordered_set<std::uint64_t> particle_ids;
  for (const auto& p : particles) particle_ids.insert(p.particle_id);

  std::vector<HitTruth> truth(hits.size());
  std::vector<std::size_t> row_of_hit(hits.size(), rows.size());  // rows.size(): none yet
  for (std::size_t row = 0; row < rows.size(); ++row) {
    const auto hit_id = table.get<std::uint64_t>(row, hit_col);
    const auto it = hit_index.find(hit_id);
    if (it == hit_index.end())
      throw table.error(row, hit_col,
                        "hit_id " + std::to_string(hit_id) + " is not in " + hits_table.source());
    if (row_of_hit[it->second] != rows.size())
      throw table.error(row, hit_col,
                        "second row for hit_id " + std::to_string(hit_id) + " (first on line " +
                            std::to_string(table.line(row_of_hit[it->second])) + ")");
    const std::uint64_t particle_id = rows[row].particle_id;
    if (particles_table && particle_id != 0 && !particle_ids.count(particle_id))
      throw table.error(
          row, particle_col,
          "particle " + std::to_string(particle_id) + " is not in " + particles_table->source());
    row_of_hit[it->second] = row;
    truth[it->second] = rows[row];
  }
  const auto missing = std::find(row_of_hit.begin(), row_of_hit.end(), rows.size());
  if (missing != row_of_hit.end()) {
    const auto i = static_cast<std::size_t>(missing - row_of_hit.begin());
    throw inputError(table.source(), 0,
                     "column 'hit_id': " + std::to_string(rows.size()) + " rows for " +
                         std::to_string(hits.size()) + " hits; none for hit_id " +
                         std::to_string(hits[i].hit_id) + " (" + hits_table.source() + ":" +
                         std::to_string(hits_table.line(i)) + ")");
  }
  if (!table.findColumn("weight")) {
    // As efgnn's simulation writes it: each particle's hits share a weight of 1, noise has none.
    std::unordered_map<std::uint64_t, std::uint32_t> hits_of;
    for (const auto& t : truth) ++hits_of[t.particle_id];
    for (auto& t : truth)
      t.weight = t.particle_id == 0 ? 0.f : 1.f / static_cast<float>(hits_of[t.particle_id]);
  }
  return truth;
}

std::vector<Particle> readParticles(const CsvTable& table) {
  auto particles = readRecords<Particle>(table, kParticleFields);
  const std::size_t id_col = table.column("particle_id");
  std::unordered_map<std::uint64_t, std::size_t> rows;
  rows.reserve(particles.size());
  for (std::size_t row = 0; row < particles.size(); ++row) {
    const std::uint64_t id = particles[row].particle_id;
    if (id == 0) throw table.error(row, id_col, "particle_id 0 is reserved for noise");
    const auto [it, inserted] = rows.emplace(id, row);
    if (!inserted)
      throw table.error(row, id_col,
                        "duplicate particle_id " + std::to_string(id) + " (first on line " +
                            std::to_string(table.line(it->second)) + ")");
    if (!isProcess(particles[row].process))
      throw table.error(
          row, *table.findColumn("process"),
          "unknown process " + std::to_string(static_cast<int>(particles[row].process)));
  }
  if (!table.findColumn("primary"))
    for (auto& p : particles) p.primary = p.productionRadius() < kPrimaryRadius;
  // The TrackML data set's PDG code; efgnn's own pdg_id comes first when a file has both.
  if (const auto type_col = table.findColumn("particle_type"); type_col && !table.findColumn("pdg_id"))
    for (std::size_t row = 0; row < particles.size(); ++row)
      particles[row].pdg = table.get<std::int32_t>(row, *type_col);
  return particles;
}

/// A cells file (one row per cell: hit_id, ch0, ch1, value) summarised per hit in hit order:
/// the number of rows and the sum of `value`. Hits without rows get {0, 0}; a row for a hit_id
/// that is not in the hits file is an error. ch0 and ch1 are not read.
std::vector<HitCells> readCells(const CsvTable& table, const CsvTable& hits_table,
                                const std::vector<SpacePoint>& hits,
                                const std::unordered_map<std::uint64_t, std::size_t>& hit_index) {
  const std::size_t num_hits = hits.size();
  const std::size_t hit_col = table.column("hit_id");
  const std::size_t value_col = table.column("value");
  std::vector<std::uint32_t> count(num_hits, 0);
  std::vector<double> charge(num_hits, 0.0);
  for (std::size_t row = 0; row < table.rows(); ++row) {
    const auto hit_id = table.get<std::uint64_t>(row, hit_col);
    const auto it = hit_index.find(hit_id);
    if (it == hit_index.end())
      throw table.error(row, hit_col,
                        "hit_id " + std::to_string(hit_id) + " is not in " + hits_table.source());
    ++count[it->second];
    charge[it->second] += table.get<float>(row, value_col);
  }
  std::vector<HitCells> cells(num_hits);
  for (std::size_t i = 0; i < num_hits; ++i) {
    cells[i].count = count[i];
    cells[i].charge = static_cast<float>(charge[i]);
    if (!std::isfinite(cells[i].charge))
      throw inputError(table.source(), 0,
                       "column 'value': the charge of hit_id " +
                           std::to_string(hits[i].hit_id) + " overflows a float");
  }
  return cells;
}

}  // namespace

std::vector<Particle> readTrackMLParticles(const fs::path& file) {
  return readParticles(CsvTable::read(file));
}

Event readTrackMLEvent(const fs::path& dir, std::uint64_t event_id) {
  const auto hits_file = findEventFile(dir, event_id, "hits");
  if (!hits_file)
    throw Error(eventFile(dir, event_id, "hits", false).string() + ": no such file (nor .gz)");
  Event event;
  event.event_id = event_id;
  const CsvTable hits = CsvTable::read(*hits_file);
  event.hits = readRecords<SpacePoint>(hits, kHitFields);
  readClusters(hits, event.hits);
  event.cells = readCellColumns(hits);
  const auto hit_index = indexHits(hits, event.hits);

  std::optional<CsvTable> particles;
  if (const auto file = findEventFile(dir, event_id, "particles")) {
    particles = CsvTable::read(*file);
    event.particles = readParticles(*particles);
  }
  if (const auto file = findEventFile(dir, event_id, "truth"))
    event.truth = readTruth(CsvTable::read(*file), hits, event.hits, hit_index,
                            particles ? &*particles : nullptr, event.particles);
  // A particles file without nhits: the hits each particle has in the truth (0 without truth).
  if (particles && !particles->findColumn("nhits") && event.hasTruth()) {
    std::unordered_map<std::uint64_t, std::int32_t> hits_of;
    for (const auto& t : event.truth) ++hits_of[t.particle_id];
    for (auto& p : event.particles) {
      const auto it = hits_of.find(p.particle_id);
      p.nhits = it == hits_of.end() ? 0 : it->second;
    }
  }

  if (const auto file = findEventFile(dir, event_id, "cells")) {
    if (event.hasCells())
      throw Error(file->string() + ": " + hits.source() +
                  " has cell_count and cell_charge columns too; remove one of the two");
    event.cells = readCells(CsvTable::read(*file), hits, event.hits, hit_index);
  }
  return event;
}

std::vector<std::uint64_t> listTrackMLEvents(const fs::path& dir) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) throw Error(dir.string() + ": cannot list directory: " + ec.message());
  std::vector<std::uint64_t> ids;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    constexpr std::string_view prefix = "event";
    const auto dash = name.find('-');
    if (!name.starts_with(prefix) || dash == std::string::npos) continue;
    const std::string_view suffix = std::string_view(name).substr(dash);
    if (suffix != "-hits.csv" && suffix != "-hits.csv.gz") continue;
    std::uint64_t id = 0;
    const auto [end, err] = std::from_chars(name.data() + prefix.size(), name.data() + dash, id);
    // Only names that readTrackMLEvent would look for (eventStem: zero-padded to 9 digits).
    if (err == std::errc() && end == name.data() + dash && eventStem(id) == name.substr(0, dash))
      ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::vector<fs::path> trackMLEventFiles(const fs::path& dir, std::uint64_t event_id, bool gzip) {
  std::vector<fs::path> files;
  for (const auto kind : kKinds) files.push_back(eventFile(dir, event_id, kind, gzip));
  return files;
}

void writeTrackMLEvent(const Event& event, const fs::path& dir, bool gzip) {
  event.validate(dir.string());
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir.string() + ": cannot create directory: " + ec.message());

  const bool clusters = anyClusters(event.hits);
  CsvWriter hits(event.hits.size() * (clusters ? 160 : 64) + event.cells.size() * 16);
  putHeader(hits, kHitFields);
  if (clusters)
    for (std::size_t k = 0; k < kClusterColumns; ++k) hits.put(clusterColumn(k));
  if (event.hasCells()) putHeader(hits, kCellFields);
  hits.endRow();
  for (std::size_t i = 0; i < event.hits.size(); ++i) {
    const SpacePoint& h = event.hits[i];
    putRecord(hits, kHitFields, h);
    for (std::size_t k = 0; clusters && k < kClusterColumns; ++k) {
      if (h.clusters)
        hits.put(clusterCoordinate(*h.clusters, k));
      else
        hits.putEmpty();
    }
    if (event.hasCells()) putRecord(hits, kCellFields, event.cells[i]);
    hits.endRow();
  }

  CsvWriter particles(event.particles.size() * 160);
  putHeader(particles, kParticleFields);
  particles.endRow();
  for (const auto& p : event.particles) {
    putRecord(particles, kParticleFields, p);
    particles.endRow();
  }

  CsvWriter truth(event.truth.size() * 100);
  truth.put("hit_id");
  putHeader(truth, kTruthFields);
  truth.endRow();
  for (std::size_t i = 0; i < event.truth.size(); ++i) {
    truth.put(event.hits[i].hit_id);
    putRecord(truth, kTruthFields, event.truth[i]);
    truth.endRow();
  }

  // An event without particles or truth gets no such file: an empty particles file would make
  // the reader reject every truth particle_id.
  const std::array<const CsvWriter*, kKinds.size()> content = {
      &hits, event.particles.empty() ? nullptr : &particles, event.hasTruth() ? &truth : nullptr};
  // An event is visible only through its hits file (listTrackMLEvents), so it appears when it
  // is complete: every file is written first, the earlier hits file is removed, the others are
  // renamed into place and the hits file last. A run killed or out of disk space on the way
  // leaves no event, or the earlier one, never hits without their truth.
  std::array<std::unique_ptr<AtomicFile>, kKinds.size()> staged;
  for (std::size_t k = 0; k < kKinds.size(); ++k)
    if (content[k]) {
      staged[k] = std::make_unique<AtomicFile>(eventFile(dir, event.event_id, kKinds[k], gzip));
      writeMaybeGzipped(*staged[k], content[k]->text(), gzip);
    }
  const auto remove = [&](const fs::path& stale) {
    if (!fs::remove(stale, ec) && ec)
      throw Error(stale.string() + ": cannot remove the earlier version: " + ec.message());
  };
  for (const bool gz : {false, true}) remove(eventFile(dir, event.event_id, kKinds[0], gz));
  // Files of an earlier version of this event (other compression, kinds it no longer has)
  // would be read with, or instead of, the new ones: gone before the new ones appear.
  for (std::size_t k = 0; k < kKinds.size(); ++k)
    for (const bool gz : {false, true})
      if (gz != gzip || !content[k]) remove(eventFile(dir, event.event_id, kKinds[k], gz));
  // Cells files are never written (the hits file carries their summary): an earlier one would
  // describe other hits.
  for (const bool gz : {false, true}) remove(eventFile(dir, event.event_id, "cells", gz));
  for (std::size_t k = kKinds.size(); k-- > 0;)
    if (staged[k]) staged[k]->commit();
}

}  // namespace efgnn
