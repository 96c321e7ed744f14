#pragma once
// Python's pickle format, read into a tree of plain values: what torch.save writes (protocols 2
// to 5) without Python. Nothing is executed: a class named in the stream becomes a Global, and
// building an object from it (REDUCE, NEWOBJ, BUILD) becomes an Object that records the class,
// its arguments, its items and its state. Callers interpret the classes they know (TorchFile:
// tensors); the rest stay inert.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace efgnn::pickle {

struct Value;
using Ref = std::shared_ptr<Value>;

struct Value {
  enum class Kind { None, Bool, Int, Float, String, Bytes, List, Tuple, Dict, Set, Global, Object, PersistentId };
  Kind kind = Kind::None;
  bool boolean = false;
  std::int64_t integer = 0;
  double number = 0;
  std::string text;                           // String, Bytes; Global: "module.name"
  std::vector<Ref> items;                     // List, Tuple, Set, PersistentId; Object: arguments
  std::vector<std::pair<Ref, Ref>> entries;   // Dict; Object: items set on it (dict subclasses)
  Ref type;                                   // Object: its class (a Global)
  Ref state;                                  // Object: what BUILD gave it

  /// The entry of a Dict or Object under a string key, or nullptr.
  const Ref* find(std::string_view key) const;
  /// "module.name" of an Object's class ("" otherwise).
  std::string className() const;
  /// A short description for messages: "dict", "int 3", "object torch.FloatStorage", ...
  std::string describe() const;
  bool isDictLike() const { return kind == Kind::Dict || kind == Kind::Object; }
};

/// Reads one pickle. `source` names the bytes in messages. Throws efgnn::Error naming the source
/// and byte offset of an unknown opcode or a malformed stream.
Ref load(std::string_view bytes, const std::string& source);

}  // namespace efgnn::pickle
