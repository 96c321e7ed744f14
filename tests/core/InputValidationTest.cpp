// Issue 28 (items 6-8): values that used to be accepted silently, or to end in a crash, are
// rejected where they enter, with a message naming the file, line or field.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "ErrorText.hpp"
#include "core/ConfigFields.hpp"
#include "core/Error.hpp"
#include "core/Event.hpp"
#include "core/Graph.hpp"
#include "core/Parallel.hpp"
#include "core/Yaml.hpp"

namespace efgnn {
namespace {

using test::errorOf;

TEST(InputValidation, YamlKeyGivenTwiceIsAnError) {
  const std::string msg = errorOf([] { YamlNode::parse("hidden: 8\nlr: 0.1\nhidden: 64\n", "cfg.yaml"); });
  EXPECT_NE(msg.find("cfg.yaml:3:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'hidden' given twice"), std::string::npos) << msg;
  const std::string nested = errorOf([] { YamlNode::parse("a:\n  - k: 1\n    k: 2\n", "n.yaml"); });
  EXPECT_NE(nested.find("n.yaml:3:"), std::string::npos) << nested;
  EXPECT_NE(nested.find("'a[0].k' given twice"), std::string::npos) << nested;
  EXPECT_NO_THROW(YamlNode::parse("a: 1\nb: {a: 2}\n", "ok.yaml"));  // same key in different maps
}

TEST(InputValidation, YamlListWhereAMapIsExpectedIsAnError) {
  const YamlNode list = YamlNode::parse("- hidden: 8\n- lr: 0.1\n", "list.yaml");
  const std::string msg = errorOf([&] { list.keys(); });
  EXPECT_NE(msg.find("list.yaml"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected a map"), std::string::npos) << msg;
  EXPECT_TRUE(YamlNode::parse("", "empty.yaml").keys().empty());  // an empty file: defaults
}

struct Sizes {
  int n = 0;
  std::uint32_t u = 0;
};

TEST(InputValidation, IntegerConfigFieldsDoNotWrap) {
  const std::vector<ConfigField<Sizes>> fields{configField("n", &Sizes::n), configField("u", &Sizes::u)};
  Sizes s;
  std::string msg = errorOf([&] { readConfigFields(s, fields, YamlNode::parse("n: 5000000000\n", "s.yaml")); });
  EXPECT_NE(msg.find("s.yaml:1: field 'n'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;
  msg = errorOf([&] { readConfigFields(s, fields, YamlNode::parse("u: -1\n", "s.yaml")); });
  EXPECT_NE(msg.find("field 'u'"), std::string::npos) << msg;
  readConfigFields(s, fields, YamlNode::parse("n: -7\nu: 4000000000\n", "s.yaml"));
  EXPECT_EQ(s.n, -7);
  EXPECT_EQ(s.u, 4000000000u);
}

Event oneParticle() {
  Event e;
  e.event_id = 42;
  Particle p;
  p.particle_id = 7;
  p.momentum = {1, 0, 0};
  e.particles.push_back(p);
  return e;
}

TEST(InputValidation, EventsWithNonFiniteParticlesAreInvalid) {
  Event e = oneParticle();
  EXPECT_NO_THROW(e.validate("ev"));
  e.particles[0].momentum.x = std::nan("");
  std::string msg = errorOf([&] { e.validate("ev.h5"); });
  EXPECT_NE(msg.find("ev.h5: event 42: particle 7 has a non-finite momentum"), std::string::npos) << msg;
  e = oneParticle();
  e.particles[0].vertex.z = std::numeric_limits<double>::infinity();
  msg = errorOf([&] { e.validate("ev.h5"); });
  EXPECT_NE(msg.find("particle 7 has a non-finite vertex"), std::string::npos) << msg;
  e = oneParticle();
  e.hits.push_back({});
  e.hits[0].hit_id = 3;
  e.truth.push_back({});
  e.truth[0].tpz = std::nanf("");
  msg = errorOf([&] { e.validate("ev.h5"); });
  EXPECT_NE(msg.find("truth of hit 3"), std::string::npos) << msg;
}

TEST(InputValidation, GraphsWithNonFiniteParticlePtAreInvalid) {
  Graph g;
  g.event_id = 5;
  g.particles = {{9, std::nanf(""), 0.5f, 3, true}};
  const std::string msg = errorOf([&] { g.validate("g.h5"); });
  EXPECT_NE(msg.find("g.h5: graph of event 5: particle 9 has a non-finite pT or eta"), std::string::npos) << msg;
}

TEST(InputValidation, NegativeThreadCountIsAnError) {
  const std::string msg = errorOf([] { resolveThreads(-5); });
  EXPECT_NE(msg.find("-5"), std::string::npos) << msg;
  EXPECT_EQ(resolveThreads(3), 3);
  EXPECT_GE(resolveThreads(0), 1);
}

}  // namespace
}  // namespace efgnn
