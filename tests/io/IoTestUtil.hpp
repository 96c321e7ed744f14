#pragma once
// Shared helpers of the io tests: a scratch directory per test, a hand-built event that uses
// every field (clusters, noise, secondaries, awkward floats) and error-message checks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>

#include "core/Error.hpp"
#include "core/Event.hpp"

namespace efgnn::test {

/// A fresh directory under the system temp dir, named after the running test, removed at the end.
class TempDir {
 public:
  TempDir() {
    static std::atomic<unsigned> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "efgnn_io_" + std::string(info->test_suite_name()) + "_" + info->name() +
                       "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    std::replace(name.begin(), name.end(), '/', '_');  // parameterized tests: "Cases/Suite"
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void writeText(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
}

inline std::string readText(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Files in `dir` whose name contains ".tmp." (AtomicFile's temporaries).
inline std::size_t countTempFiles(const std::filesystem::path& dir) {
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    n += e.path().filename().string().find(".tmp.") != std::string::npos;
  return n;
}

/// Asserts that `f` throws efgnn::Error whose message contains every one of `parts`.
inline void expectError(const std::function<void()>& f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "no efgnn::Error thrown";
  } catch (const Error& e) {
    for (const auto& part : parts)
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "message '" << e.what() << "' lacks '" << part << "'";
  }
}

/// A float that needs all of its digits: random mantissa, exponent spread over ~12 decades.
inline float awkwardFloat(std::mt19937_64& rng, float scale) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::uniform_int_distribution<int> e(-6, 6);
  return std::ldexp(u(rng), e(rng)) * scale;
}

/// An event using every field: hits with and without clusters, truth with noise hits,
/// particles of every process with huge ids, and floats that need all their digits.
inline Event makeEvent(std::uint64_t event_id, std::size_t nhits, bool clusters = true,
                       std::uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  Event ev;
  ev.event_id = event_id;
  const std::size_t nparticles = nhits / 10 + 2;
  for (std::size_t i = 0; i < nparticles; ++i) {
    Particle p;
    p.particle_id = 4503668346847232ull + (i << 20) + (seed << 40);
    p.pdg = i % 3 == 0 ? -211 : (i % 3 == 1 ? 11 : 2212);
    p.charge = i % 2 ? 1 : -1;
    p.vertex = {std::uniform_real_distribution<double>(-1, 1)(rng) * 1e-2, 0.1 / 3,
                std::uniform_real_distribution<double>(-100, 100)(rng)};
    p.momentum = {std::uniform_real_distribution<double>(-5, 5)(rng), 1.0 / 7, -1e-12 / 3};
    p.primary = i % 4 != 3;
    p.parent_id = p.primary ? 0 : 4503668346847232ull;
    p.nhits = static_cast<std::int32_t>(i % 17);
    p.process = static_cast<Process>(i % 4);
    p.collision = static_cast<std::uint32_t>(i % 201);
    ev.particles.push_back(p);
  }
  for (std::size_t i = 0; i < nhits; ++i) {
    SpacePoint h;
    h.hit_id = i + 1;
    h.x = awkwardFloat(rng, 1000.f);
    h.y = awkwardFloat(rng, 1000.f);
    h.z = awkwardFloat(rng, 3000.f);
    h.volume_id = 7 + static_cast<std::int32_t>(i % 3);
    h.layer_id = 2 * static_cast<std::int32_t>(i % 7);
    h.module_id = static_cast<std::int32_t>(i * 7919 % 3000);
    if (clusters && i % 3 == 1)
      h.clusters = {
          {{awkwardFloat(rng, 1000.f), awkwardFloat(rng, 1000.f), 1e-30f},
           {std::numeric_limits<float>::denorm_min(), -0.f, std::numeric_limits<float>::max()}}};
    ev.hits.push_back(h);

    HitTruth t;
    t.particle_id = i % 5 == 4 ? 0 : ev.particles[i % nparticles].particle_id;
    t.tx = awkwardFloat(rng, 1000.f);
    t.ty = awkwardFloat(rng, 1000.f);
    t.tz = awkwardFloat(rng, 3000.f);
    t.tpx = awkwardFloat(rng, 1.f);
    t.tpy = std::numeric_limits<float>::min();
    t.tpz = -std::numeric_limits<float>::lowest();
    t.weight = i % 5 == 4 ? 0.f : 1.f / 3.f;
    ev.truth.push_back(t);
  }
  return ev;
}

/// Gives every hit of `ev` a cells summary (Event::cells): awkward charges; every seventh hit
/// has no cells.
inline void addCells(Event& ev, std::uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  ev.cells.assign(ev.hits.size(), HitCells{});
  for (std::size_t i = 0; i < ev.cells.size(); ++i) {
    if (i % 7 == 3) continue;
    ev.cells[i].count = static_cast<std::uint32_t>(1 + i % 11);
    ev.cells[i].charge = std::fabs(awkwardFloat(rng, 1.f));
  }
}

}  // namespace efgnn::test
