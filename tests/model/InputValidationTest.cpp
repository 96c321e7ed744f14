// Issue 28 (item 7): model sizes that would end in bad_alloc or a LibTorch stack trace are
// rejected by ModelConfig with the allowed range.
#include <gtest/gtest.h>

#include <string>

#include "ErrorText.hpp"
#include "core/Error.hpp"
#include "model/ModelConfig.hpp"

namespace efgnn {
namespace {

using test::errorOf;

TEST(InputValidation, ModelSizesAreBounded) {
  ModelConfig c;
  EXPECT_NE(errorOf([&] { c.set("hidden=100000"); }).find("hidden must be in [1, 4096], got 100000"), std::string::npos);
  EXPECT_NE(errorOf([&] { c.set("n_graph_iters=1000000"); }).find("n_graph_iters must be in [1, 64]"), std::string::npos);
  EXPECT_NE(errorOf([&] { c.set("hidden=5000000000"); }).find("out of range"), std::string::npos);
  EXPECT_EQ(c, ModelConfig{});  // a rejected value leaves the config as it was
  const std::string msg = errorOf([] {
    ModelConfig::fromYaml(YamlNode::parse("hidden: 64\nn_graph_iters: 1000000\n", "model.yaml"));
  });
  EXPECT_NE(msg.find("n_graph_iters must be in [1, 64], got 1000000"), std::string::npos) << msg;
  const std::string list = errorOf([] { ModelConfig::fromYaml(YamlNode::parse("- hidden: 64\n", "model.yaml")); });
  EXPECT_NE(list.find("model.yaml:1:"), std::string::npos) << list;
  EXPECT_NE(list.find("expected a map"), std::string::npos) << list;
  c.set("hidden=4096");
  c.set("n_graph_iters=64");
  EXPECT_NO_THROW(c.validate());
}

}  // namespace
}  // namespace efgnn
