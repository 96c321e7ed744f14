#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/AtomicFile.hpp"
#include "core/Error.hpp"
#include "core/Event.hpp"
#include "core/Json.hpp"
#include "core/Parallel.hpp"
#include "core/Pdg.hpp"
#include "core/Random.hpp"
#include "core/Yaml.hpp"

namespace efgnn {
namespace {

TEST(Random, StreamsAreReproducibleAndIndependent) {
  Rng a(7, {3, 1}), b(7, {3, 1}), c(7, {3, 2}), d(8, {3, 1});
  for (int i = 0; i < 100; ++i) {
    const auto va = a.next();
    EXPECT_EQ(va, b.next());
    EXPECT_NE(va, c.next());
    EXPECT_NE(va, d.next());
  }
}

TEST(Random, DistributionMoments) {
  Rng rng(1);
  const int n = 200000;
  double su = 0, sn = 0, sn2 = 0, se = 0, sp = 0, sg = 0;
  for (int i = 0; i < n; ++i) {
    su += rng.uniform();
    const double x = rng.normal();
    sn += x;
    sn2 += x * x;
    se += rng.exponential(2.0);
    sp += static_cast<double>(rng.poisson(200));
    sg += rng.gamma(1.5);
  }
  EXPECT_NEAR(su / n, 0.5, 0.005);
  EXPECT_NEAR(sn / n, 0.0, 0.01);
  EXPECT_NEAR(sn2 / n, 1.0, 0.01);
  EXPECT_NEAR(se / n, 2.0, 0.02);
  EXPECT_NEAR(sp / n, 200.0, 0.2);
  EXPECT_NEAR(sg / n, 1.5, 0.02);
}

TEST(Pdg, ChargesFromQuarkContent) {
  EXPECT_EQ(pdg::charge(211), 1);
  EXPECT_EQ(pdg::charge(-211), -1);
  EXPECT_EQ(pdg::charge(321), 1);
  EXPECT_EQ(pdg::charge(-321), -1);
  EXPECT_EQ(pdg::charge(2212), 1);
  EXPECT_EQ(pdg::charge(-2212), -1);
  EXPECT_EQ(pdg::charge(11), -1);
  EXPECT_EQ(pdg::charge(-13), 1);
  EXPECT_EQ(pdg::charge(22), 0);
  EXPECT_EQ(pdg::charge(310), 0);
  EXPECT_EQ(pdg::charge(3122), 0);
  EXPECT_EQ(pdg::charge(3222), 1);   // Sigma+
  EXPECT_EQ(pdg::charge(411), 1);    // D+
  EXPECT_EQ(pdg::charge(-521), -1);  // B-
  EXPECT_EQ(pdg::charge(3312), -1);  // Xi-
}

TEST(Yaml, ErrorsNameFileLineAndField) {
  const std::string text = "a: 1\nb:\n  c: notanumber\n";
  const YamlNode root = YamlNode::parse(text, "cfg.yaml");
  try {
    root["b"]["c"].asDouble();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("cfg.yaml:3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("b.c"), std::string::npos) << msg;
  }
  EXPECT_THROW(root["missing"], Error);
  EXPECT_THROW(root.allowOnly({"a"}), Error);
  EXPECT_NO_THROW(root.allowOnly({"a", "b"}));
  try {
    YamlNode::parse("a: [1, 2\nb: 3\n", "broken.yaml");
    FAIL() << "expected a syntax error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.yaml:"), std::string::npos) << e.what();
  }
}

TEST(Yaml, ADocumentBuiltInMemoryReadsAsItsParsedText) {
  Json j = Json::object();
  j["name"] = "h48";
  j["edges"] = std::int64_t(1) << 60;
  j["efficiency"] = 0.1 + 0.2;
  j["accepted"] = true;
  j["missing"] = std::nan("");
  Json bins = Json::array();
  for (int b = 0; b < 3; ++b) {
    Json bin = Json::object();
    bin["lo"] = 0.5 * b;
    bins.push_back(bin);
  }
  j["bins"] = bins;
  const YamlNode parsed = YamlNode::parse(j.dump(2), "x.json"), built = YamlNode::of(j, "x.json");
  EXPECT_EQ(built.keys(), parsed.keys());
  EXPECT_EQ(built["name"].asString(), parsed["name"].asString());
  EXPECT_EQ(built["edges"].asInt(), parsed["edges"].asInt());
  EXPECT_EQ(built["efficiency"].asDouble(), 0.1 + 0.2);
  EXPECT_TRUE(built["accepted"].asBool());
  EXPECT_EQ(built["missing"].raw().IsNull(), parsed["missing"].raw().IsNull());
  ASSERT_EQ(built["bins"].size(), 3u);
  EXPECT_EQ(built["bins"].at(2)["lo"].asDouble(), parsed["bins"].at(2)["lo"].asDouble());
  try {
    built["bins"].at(1)["hi"];
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("x.json"), std::string::npos) << e.what();
  }
}

TEST(Json, DumpsInInsertionOrder) {
  Json j = Json::object();
  j["b"] = 1;
  j["a"] = "x\"y";
  Json arr = Json::array();
  arr.push_back(1.5);
  arr.push_back(true);
  arr.push_back(std::nan(""));
  j["list"] = arr;
  EXPECT_EQ(j.dump(), R"({"b":1,"a":"x\"y","list":[1.5,true,null]})");
}

TEST(AtomicFile, WritesCompletelyOrNotAtAll) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "efgnn-core-atomic";
  fs::remove_all(dir);
  fs::create_directories(dir);
  writeFileAtomically(dir / "a.txt", "hello");
  EXPECT_EQ(readFile(dir / "a.txt"), "hello");
  {
    AtomicFile f(dir / "b.txt");
    std::ofstream(f.tempPath()) << "partial";
    // destroyed without commit: an interrupted write
  }
  EXPECT_FALSE(fs::exists(dir / "b.txt"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  EXPECT_THROW(readFile(dir / "missing.txt"), Error);
  fs::remove_all(dir);
}

TEST(Parallel, VisitsEveryItemOnceAndPropagatesErrors) {
  std::vector<int> seen(1000, 0);
  parallelFor(seen.size(), 4, [&](std::size_t i) { seen[i] += 1; });
  for (int s : seen) EXPECT_EQ(s, 1);
  EXPECT_THROW(parallelFor(100, 2,
                           [](std::size_t i) {
                             if (i == 37) throw Error("item 37");
                           }),
               Error);
}

TEST(Event, ValidateFindsInconsistencies) {
  Event e;
  e.event_id = 5;
  e.hits.resize(2);
  e.hits[0].hit_id = 1;
  e.hits[1].hit_id = 1;
  EXPECT_THROW(e.validate("x"), Error);
  e.hits[1].hit_id = 2;
  EXPECT_NO_THROW(e.validate("x"));
  e.truth.resize(1);
  EXPECT_THROW(e.validate("x"), Error);
  e.truth.resize(2);
  e.truth[0].particle_id = 9;
  Particle p;
  p.particle_id = 3;
  e.particles.push_back(p);
  EXPECT_THROW(e.validate("x"), Error);  // hit refers to unknown particle 9
  e.truth[0].particle_id = 3;
  EXPECT_NO_THROW(e.validate("x"));
  EXPECT_EQ(e.noiseHits(), 1u);
  EXPECT_EQ(eventStem(1000), "event000001000");
}

}  // namespace
}  // namespace efgnn
