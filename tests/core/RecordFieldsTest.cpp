// Result structs written with recordJson and read back with readRecord: one field table for
// both directions, nested structs included.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/Error.hpp"
#include "core/RecordFields.hpp"

namespace efgnn {
namespace {

struct Inner {
  double efficiency = 0;
  std::int64_t count = 0;
  static const std::vector<RecordField<Inner>>& fields() {
    static const std::vector<RecordField<Inner>> table{recordField("edgewise_efficiency", &Inner::efficiency),
                                                       recordField("count", &Inner::count)};
    return table;
  }
};

struct Outer {
  std::string name;
  int bits = 0;
  bool accepted = false;
  Inner val, test;
  static const std::vector<RecordField<Outer>>& fields() {
    static const std::vector<RecordField<Outer>> table{recordField("name", &Outer::name),
                                                       recordField("bits", &Outer::bits),
                                                       recordField("accepted", &Outer::accepted),
                                                       recordField("val", &Outer::val),
                                                       recordField("test", &Outer::test)};
    return table;
  }
};

TEST(RecordFields, WhatIsWrittenReadsBackEqualInTableOrder) {
  // Beyond a double's 53 bits and with a value that needs all 17 digits.
  const Outer o{"h48 'six' bits", 6, true, {0.1 + 0.2, (std::int64_t(1) << 60) + 1}, {1.0 / 3, -7}};
  const std::string text = recordJson(o).dump(2);
  EXPECT_LT(text.find("\"name\""), text.find("\"bits\""));
  EXPECT_LT(text.find("\"val\""), text.find("\"test\""));
  const Outer back = readRecord<Outer>(YamlNode::parse(text, "result.json"));
  EXPECT_EQ(back.name, o.name);
  EXPECT_EQ(back.bits, 6);
  EXPECT_TRUE(back.accepted);
  EXPECT_EQ(back.val.efficiency, o.val.efficiency);
  EXPECT_EQ(back.val.count, o.val.count);
  EXPECT_EQ(back.test.efficiency, o.test.efficiency);
  EXPECT_EQ(back.test.count, -7);
  EXPECT_EQ(recordJson(back).dump(2), text);
}

TEST(RecordFields, AMissingOrMistypedFieldIsAnErrorNamingTheFileAndKey) {
  std::string msg;
  try {
    readRecord<Outer>(YamlNode::parse("name: a\nbits: 6\naccepted: true\nval: {edgewise_efficiency: 1, count: 2}\n",
                                      "round.json"));
  } catch (const Error& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("round.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("test"), std::string::npos) << msg;
  msg.clear();
  try {
    readRecord<Outer>(YamlNode::parse("name: a\nbits: 99999999999\naccepted: true\nval: {edgewise_efficiency: 1, "
                                      "count: 2}\ntest: {edgewise_efficiency: 1, count: 2}\n",
                                      "round.json"));
  } catch (const Error& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("round.json:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;
}

TEST(RecordFields, KeysOutsideTheTableAreIgnored) {
  const Inner i = readRecord<Inner>(YamlNode::parse("edgewise_efficiency: 0.5\ncount: 3\nnewer_key: x\n", "r.json"));
  EXPECT_EQ(i.efficiency, 0.5);
  EXPECT_EQ(i.count, 3);
}

}  // namespace
}  // namespace efgnn
