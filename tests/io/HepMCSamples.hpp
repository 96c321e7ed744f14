#pragma once
// The same two generator events written by hand in both HepMC ASCII formats, from the formats'
// record layouts, in any units: HepMC2 (IO_GenEvent: E, N, U, C, H, F, V and P lines) and
// HepMC3 (Asciiv3: W, T, E, U, A, V and P lines). Shared by the reader and command-line tests.
//
// Event 1: two beam protons into a collision at (0.1, -0.2, 3) mm whose final state has every
// kind of particle, and a K0s decaying at (10, 20, 30) mm. Event 2: a proton into a vertex at
// the origin (implicit in the HepMC3 file: its particles name the proton as mother) giving a K+
// and a pi-. Momenta are given in MeV, positions in mm.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace efgnn::test::hepmc {

struct Particle {
  int pdg, status;
  double px, py, pz, mass;  // MeV
  int vertex;               // production vertex (index into Event::vertices), -1 for a beam
  int end;                  // end vertex, -1 for none
};

struct Vertex {
  double x, y, z;  // mm
};

struct Event {
  int number;
  std::vector<Vertex> vertices;
  std::vector<Particle> particles;
};

inline std::vector<Event> sampleEvents() {
  constexpr double mp = 938.272, mpi = 139.570, me = 0.511, mk = 493.677, mk0 = 497.611;
  Event first{1, {{0.1, -0.2, 3.0}, {10, 20, 30}}, {}};
  first.particles = {
      {2212, 4, 0, 0, 6.5e6, mp, -1, 0},        {2212, 4, 0, 0, -6.5e6, mp, -1, 0},
      {211, 1, 1500, -250, 4000, mpi, 0, -1},   {11, 1, 800, 300, -1200, me, 0, -1},
      {-2212, 1, -400, 900, 2500, mp, 0, -1},   {22, 1, 100, 200, 300, 0, 0, -1},
      {12, 1, 50, 60, 70, 0, 0, -1},            {111, 1, 300, 0, 0, 134.977, 0, -1},
      {310, 2, 500, 600, 700, mk0, 0, 1},       {211, 1, 300, 200, 100, mpi, 1, -1},
      {-211, 1, 200, 400, 600, mpi, 1, -1},
  };
  Event second{2, {{0, 0, 0}}, {}};
  second.particles = {
      {2212, 4, 0, 0, 6.5e6, mp, -1, 0},
      {321, 1, 0, 100, 0, mk, 0, -1},
      {-211, 1, 100, 0, 0, mpi, 0, -1},
  };
  return {first, second};
}

/// The particles efgnn simulates (final state; charged, photons, K0s, Lambda) of sampleEvents()
/// in GeV and mm: {pdg, px, py, pz, x, y, z}.
inline std::vector<std::vector<std::vector<double>>> expectedParticles() {
  return {
      {{211, 1.5, -0.25, 4.0, 0.1, -0.2, 3.0},
       {11, 0.8, 0.3, -1.2, 0.1, -0.2, 3.0},
       {-2212, -0.4, 0.9, 2.5, 0.1, -0.2, 3.0},
       {22, 0.1, 0.2, 0.3, 0.1, -0.2, 3.0},
       {211, 0.3, 0.2, 0.1, 10, 20, 30},
       {-211, 0.2, 0.4, 0.6, 10, 20, 30}},
      {{321, 0, 0.1, 0, 0, 0, 0}, {-211, 0.1, 0, 0, 0, 0, 0}},
  };
}

/// Units of a written file: "MEV" or "GEV", "MM" or "CM".
struct Units {
  std::string momentum = "MEV", length = "MM";
  double p(double mev) const { return momentum == "GEV" ? mev / 1000 : mev; }
  double l(double mm) const { return length == "CM" ? mm / 10 : mm; }
};

inline std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

inline double energy(const Particle& p) {
  return std::sqrt(p.px * p.px + p.py * p.py + p.pz * p.pz + p.mass * p.mass);
}

/// HepMC2 IO_GenEvent. Vertex barcodes count down from -1 over the file, particle barcodes up
/// from 1; each vertex is followed by its incoming beams (orphans, with this vertex as end
/// vertex) and its outgoing particles.
inline std::string hepmc2(const Units& u) {
  std::string s = "HepMC::Version 2.06.09\nHepMC::IO_GenEvent-START_EVENT_LISTING\n";
  int vertex_barcode = 0, particle_barcode = 0;
  for (const Event& e : sampleEvents()) {
    const int first_vertex = vertex_barcode - 1;
    // number, MPI, scale, alpha_QCD, alpha_QED, process, signal vertex, vertices, beams,
    // 0 random states, 1 weight
    s += "E " + std::to_string(e.number) + " 1 91.1876 0.118 0.0078125 101 " + std::to_string(first_vertex) + " " +
         std::to_string(e.vertices.size()) + " " + std::to_string(particle_barcode + 1) + " 0 0 1 1.0\n";
    s += "N 1 \"Default\"\n";
    s += "U " + u.momentum + " " + u.length + "\n";
    s += "C 512.5 10.25\n";
    if (e.number == 1) s += "F 21 21 0.01 0.02 91.1876 0.5 0.6 0 0\n";
    if (e.number == 2) s += "H 1 2 2 1 0 0 0 0 0 1.5 0.25 0.1 70\n";
    for (std::size_t v = 0; v < e.vertices.size(); ++v) {
      const int barcode = first_vertex - static_cast<int>(v);
      int orphans = 0, outgoing = 0;
      for (const Particle& p : e.particles) {
        orphans += p.vertex < 0 && p.end == static_cast<int>(v);
        outgoing += p.vertex == static_cast<int>(v);
      }
      const Vertex& x = e.vertices[v];
      s += "V " + std::to_string(barcode) + " 0 " + number(u.l(x.x)) + " " + number(u.l(x.y)) + " " + number(u.l(x.z)) +
           " 0 " + std::to_string(orphans) + " " + std::to_string(outgoing) + " 0\n";
      for (const bool incoming : {true, false})
        for (const Particle& p : e.particles) {
          if (incoming ? !(p.vertex < 0 && p.end == static_cast<int>(v)) : p.vertex != static_cast<int>(v)) continue;
          const int end = p.end < 0 ? 0 : first_vertex - p.end;
          // barcode, pdg, px, py, pz, e, m, status, theta, phi, end vertex, flows (a colour
          // flow on the first charged pion)
          s += "P " + std::to_string(++particle_barcode) + " " + std::to_string(p.pdg) + " " + number(u.p(p.px)) + " " +
               number(u.p(p.py)) + " " + number(u.p(p.pz)) + " " + number(u.p(energy(p))) + " " + number(u.p(p.mass)) +
               " " + std::to_string(p.status) + " 0 0 " + std::to_string(end) +
               (p.pdg == 211 && p.px == 1500 ? " 1 1 501\n" : " 0\n");
        }
    }
    vertex_barcode -= static_cast<int>(e.vertices.size());
  }
  return s + "HepMC::IO_GenEvent-END_EVENT_LISTING\n";
}

/// HepMC3 Asciiv3: particles numbered 1..N in each event, the mother of each a vertex (-id), a
/// particle (id: an implicit vertex) or none (0). Event 1 writes its vertices, event 2 leaves
/// its one vertex implicit.
inline std::string hepmc3(const Units& u) {
  std::string s = "HepMC::Version 3.01.02\nHepMC::Asciiv3-START_EVENT_LISTING\n";
  s += "W Default\nT efgnn-test\\|1.0\\|written by hand\n";
  for (const Event& e : sampleEvents()) {
    const bool explicit_vertices = e.number == 1;
    s += "E " + std::to_string(e.number) + " " + std::to_string(e.vertices.size()) + " " +
         std::to_string(e.particles.size()) + "\n";
    s += "W 1.0\n";
    s += "U " + u.momentum + " " + u.length + "\n";
    s += "A 0 alphaQCD 0.118\n";
    int written = 0;
    std::vector<int> id(e.particles.size());
    const auto particle = [&](std::size_t i, int mother) {
      const Particle& p = e.particles[i];
      id[i] = ++written;
      s += "P " + std::to_string(written) + " " + std::to_string(mother) + " " + std::to_string(p.pdg) + " " +
           number(u.p(p.px)) + " " + number(u.p(p.py)) + " " + number(u.p(p.pz)) + " " + number(u.p(energy(p))) + " " +
           number(u.p(p.mass)) + " " + std::to_string(p.status) + "\n";
    };
    for (std::size_t i = 0; i < e.particles.size(); ++i)
      if (e.particles[i].vertex < 0) particle(i, 0);
    for (std::size_t v = 0; v < e.vertices.size(); ++v) {
      std::string in;
      for (std::size_t i = 0; i < e.particles.size(); ++i)
        if (e.particles[i].end == static_cast<int>(v)) in += (in.empty() ? "" : ",") + std::to_string(id[i]);
      const int vertex_id = -static_cast<int>(v) - 1;
      if (explicit_vertices) {
        const Vertex& x = e.vertices[v];
        s += "V " + std::to_string(vertex_id) + " 0 [" + in + "] @ " + number(u.l(x.x)) + " " + number(u.l(x.y)) + " " +
             number(u.l(x.z)) + " 0\n";
      }
      for (std::size_t i = 0; i < e.particles.size(); ++i)
        if (e.particles[i].vertex == static_cast<int>(v)) particle(i, explicit_vertices ? vertex_id : std::stoi(in));
    }
  }
  return s + "HepMC::Asciiv3-END_EVENT_LISTING\n";
}

}  // namespace efgnn::test::hepmc
