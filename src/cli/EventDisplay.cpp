// `efgnn event-display`: x-y and r-z views of an event's hits, rendered by gnuplot.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <map>

#include "cli/Commands.hpp"
#include "core/Error.hpp"
#include "core/Gnuplot.hpp"
#include "io/EventSource.hpp"

namespace efgnn::cli {
namespace {

namespace fs = std::filesystem;

void render(const Event& event, double min_pt, const fs::path& out, int width, int height) {
  std::map<std::uint64_t, const Particle*> particles;
  for (const auto& p : event.particles) particles[p.particle_id] = &p;
  // Hits of highlighted particles grouped per particle, ordered along the track.
  std::map<std::uint64_t, std::vector<std::size_t>> tracks;
  // The points go into the script as datablocks: no file name reaches gnuplot.
  std::ostringstream other, noise, tracks_file;
  std::size_t highlighted_hits = 0;
  for (std::size_t i = 0; i < event.hits.size(); ++i) {
    const auto& h = event.hits[i];
    const std::uint64_t pid = event.hasTruth() ? event.truth[i].particle_id : 0;
    const auto it = particles.find(pid);
    if (event.hasTruth() && pid == 0) {
      noise << h.x << ' ' << h.y << ' ' << h.z << ' ' << h.r() << '\n';
    } else if (it != particles.end() && it->second->pt() >= min_pt) {
      tracks[pid].push_back(i);
    } else {
      other << h.x << ' ' << h.y << ' ' << h.z << ' ' << h.r() << '\n';
    }
  }
  int colour = 0;
  for (auto& [pid, hits] : tracks) {
    const Particle& p = *particles.at(pid);
    std::sort(hits.begin(), hits.end(), [&](std::size_t a, std::size_t b) {
      const auto d = [&](std::size_t k) {
        const auto& h = event.hits[k];
        return std::pow(h.x - p.vertex.x, 2) + std::pow(h.y - p.vertex.y, 2) + std::pow(h.z - p.vertex.z, 2);
      };
      return d(a) < d(b);
    });
    for (auto k : hits) {
      const auto& h = event.hits[k];
      tracks_file << h.x << ' ' << h.y << ' ' << h.z << ' ' << h.r() << ' ' << 1 + colour % 8 << '\n';
    }
    tracks_file << "\n\n";  // gnuplot: a new line segment per particle
    highlighted_hits += hits.size();
    ++colour;
  }

  char title[200];
  std::snprintf(title, sizeof title, "event %llu: %zu hits; %zu particles with pT >= %.2g GeV coloured (%zu hits)",
                static_cast<unsigned long long>(event.event_id), event.hits.size(), tracks.size(),
                min_pt, highlighted_hits);
  std::ostringstream gp;
  gp << "$other << EOD\n"
     << other.str() << "EOD\n$noise << EOD\n"
     << noise.str() << "EOD\n$tracks << EOD\n"
     << tracks_file.str() << "EOD\n";
  gp << "colours = \"#e41a1c #377eb8 #4daf4a #984ea3 #ff7f00 #a65628 #f781bf #17becf\"\n"
     << "do for [i=1:8] { set linetype i lc rgb word(colours, i) }\n"
     << "set multiplot layout 1,2 title " << gnuplotQuote(title) << "\n"
     << "set size ratio -1\nset grid\nset key top right\n"
     << "set xlabel 'x [mm]'\nset ylabel 'y [mm]'\nset title 'transverse view'\n"
     << "plot $other u 1:2 w dots lc rgb '#b0b0b0' t 'other hits', "
     << "$noise u 1:2 w dots lc rgb 'black' t 'noise', "
     << "$tracks u 1:2:5 w linespoints lc variable pt 7 ps 0.3 lw 1 notitle\n"
     << "set size noratio\nset xlabel 'z [mm]'\nset ylabel 'r [mm]'\nset title 'longitudinal view'\n"
     << "plot $other u 3:4 w dots lc rgb '#b0b0b0' t 'other hits', "
     << "$noise u 3:4 w dots lc rgb 'black' t 'noise', "
     << "$tracks u 3:4:5 w linespoints lc variable pt 7 ps 0.3 lw 1 notitle\n"
     << "unset multiplot\n";
  renderGnuplotPng(out, gp.str(), width, height);
}

}  // namespace

void addEventDisplayCommand(CLI::App& app) {
  struct Options {
    std::string input, out;
    std::int64_t event = -1;
    double min_pt = 1.0;
    int width = 1800, height = 900;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("event-display", "Draw an event's hits (x-y and r-z) to a PNG");
  cmd->add_option("EVENTS", o->input, "Directory of CSV/HDF5 events, or an .h5 file")->required();
  cmd->add_option("--event", o->event, "Event id (default: the first one)");
  cmd->add_option("--out", o->out, "PNG file to write")->required();
  cmd->add_option("--min-pt", o->min_pt, "Highlight particles above this pT [GeV]")->capture_default_str();
  cmd->add_option("--width", o->width, "Image width [px]")->capture_default_str();
  cmd->add_option("--height", o->height, "Image height [px]")->capture_default_str();
  cmd->callback([o] {
    const EventDirectory dir(o->input);
    std::size_t index = 0;
    if (o->event >= 0) {
      index = dir.size();
      for (std::size_t i = 0; i < dir.size(); ++i)
        if (dir.eventId(i) == static_cast<std::uint64_t>(o->event)) index = i;
      if (index == dir.size())
        throw Error(o->input + ": no event with id " + std::to_string(o->event));
    }
    const Event event = dir.read(index);
    render(event, o->min_pt, o->out, o->width, o->height);
    std::printf("wrote %s (event %llu, %zu hits)\n", o->out.c_str(),
                static_cast<unsigned long long>(event.event_id), event.hits.size());
  });
}

}  // namespace efgnn::cli
