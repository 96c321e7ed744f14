// Python's pickle, read without Python: the same object pickled by Python 3 with protocols 0, 2,
// 4 and 5 (the bytes below are pickle.dumps of it) reads back as the same tree.
#include <gtest/gtest.h>

#include <string>

#include "core/Error.hpp"
#include "io/Pickle.hpp"

namespace efgnn {
namespace {

using pickle::Value;

std::string fromHex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

// pickle.dumps({'a': [1, 2.5, None, True, False], 'b': (b'xy', 'été'), 3: -70000, 'big': 2**40,
//               'neg': -2**40, 'od': OrderedDict([('k', 1)]), 's': {7}}, protocol=P)
const std::pair<int, const char*> kPickles[] = {
    {0,
     "286470300a56610a70310a286c70320a49310a6146322e350a614e614930310a614930300a617356620a70330a28635f"
     "636f646563730a656e636f64650a70340a285678790a70350a566c6174696e310a70360a7470370a5270380a56e974e9"
     "0a70390a747031300a7349330a492d37303030300a73566269670a7031310a4c313039393531313632373737364c0a73"
     "566e65670a7031320a4c2d313039393531313632373737364c0a73566f640a7031330a63636f6c6c656374696f6e730a"
     "4f726465726564446963740a7031340a2874527031350a566b0a7031360a49310a737356730a7031370a635f5f627569"
     "6c74696e5f5f0a7365740a7031380a28286c7031390a49370a61747032300a527032310a732e"},
    {2,
     "80027d71002858010000006171015d7102284b014740040000000000004e8889655801000000627103635f636f646563"
     "730a656e636f64650a710458020000007879710558060000006c6174696e3171068671075271085805000000c3a974c3"
     "a9710986710a4b034a90eefeff5803000000626967710b8a0600000000000158030000006e6567710c8a060000000000"
     "ff58020000006f64710d63636f6c6c656374696f6e730a4f726465726564446963740a710e2952710f58010000006b71"
     "104b01735801000000737111635f5f6275696c74696e5f5f0a7365740a71125d71134b0761857114527115752e"},
    {4,
     "80049588000000000000007d94288c0161945d94284b014740040000000000004e8889658c01629443027879948c05c3"
     "a974c3a99486944b034a90eefeff8c03626967948a060000000000018c036e6567948a060000000000ff8c026f64948c"
     "0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c016b944b01738c0173948f94284b07"
     "90752e"},
    {5,
     "80059588000000000000007d94288c0161945d94284b014740040000000000004e8889658c01629443027879948c05c3"
     "a974c3a99486944b034a90eefeff8c03626967948a060000000000018c036e6567948a060000000000ff8c026f64948c"
     "0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c016b944b01738c0173948f94284b07"
     "90752e"},
};

const Value& at(const Value& dict, const std::string& key) {
  const pickle::Ref* v = dict.find(key);
  if (!v) throw Error("no key " + key);
  return **v;
}

TEST(Pickle, EveryProtocolReadsBackTheSameTree) {
  for (const auto& [protocol, hex] : kPickles) {
    SCOPED_TRACE("protocol " + std::to_string(protocol));
    const pickle::Ref root = pickle::load(fromHex(hex), "test");
    ASSERT_EQ(root->kind, Value::Kind::Dict);
    EXPECT_EQ(root->entries.size(), 7u);
    const Value& a = at(*root, "a");
    ASSERT_EQ(a.kind, Value::Kind::List);
    ASSERT_EQ(a.items.size(), 5u);
    EXPECT_EQ(a.items[0]->integer, 1);
    EXPECT_DOUBLE_EQ(a.items[1]->number, 2.5);
    EXPECT_EQ(a.items[2]->kind, Value::Kind::None);
    EXPECT_TRUE(a.items[3]->kind == Value::Kind::Bool && a.items[3]->boolean);
    EXPECT_TRUE(a.items[4]->kind == Value::Kind::Bool && !a.items[4]->boolean);
    const Value& b = at(*root, "b");
    ASSERT_EQ(b.kind, Value::Kind::Tuple);
    EXPECT_EQ(b.items[0]->kind, Value::Kind::Bytes);
    EXPECT_EQ(b.items[0]->text, "xy");
    EXPECT_EQ(b.items[1]->text, "\xc3\xa9t\xc3\xa9");  // UTF-8
    bool integer_key = false;
    for (const auto& [k, v] : root->entries)
      if (k->kind == Value::Kind::Int && k->integer == 3) integer_key = v->integer == -70000;
    EXPECT_TRUE(integer_key);
    EXPECT_EQ(at(*root, "big").integer, std::int64_t{1} << 40);
    EXPECT_EQ(at(*root, "neg").integer, -(std::int64_t{1} << 40));
    EXPECT_EQ(at(at(*root, "od"), "k").integer, 1);
    ASSERT_EQ(at(*root, "s").kind, Value::Kind::Set);
    EXPECT_EQ(at(*root, "s").items.at(0)->integer, 7);
  }
}

TEST(Pickle, BrokenStreamsAreRefusedWithTheirByteOffset) {
  const std::string whole = fromHex(kPickles[1].second);
  for (const std::size_t keep : {std::size_t{0}, std::size_t{3}, whole.size() / 2, whole.size() - 1}) {
    try {
      pickle::load(whole.substr(0, keep), "cut.pkl");
      ADD_FAILURE() << "read " << keep << " bytes of " << whole.size();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("cut.pkl: pickle byte "), std::string::npos) << e.what();
    }
  }
  try {
    pickle::load(std::string("\x80\x02\xff."), "odd.pkl");
    ADD_FAILURE() << "read an unknown opcode";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("odd.pkl: pickle byte 2: unknown or unsupported opcode 0xff"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(pickle::load(std::string("\x80\x02h\x05."), "memo.pkl"), Error);  // a memo entry never stored
  EXPECT_THROW(pickle::load(std::string("\x80\x02Ns."), "stack.pkl"), Error);    // SETITEM without its dict
}

}  // namespace
}  // namespace efgnn
