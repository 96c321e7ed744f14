#include "io/Pickle.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "core/Error.hpp"

namespace efgnn::pickle {

const Ref* Value::find(std::string_view key) const {
  for (const auto& [k, v] : entries)
    if (k && k->kind == Kind::String && k->text == key) return &v;
  return nullptr;
}

std::string Value::className() const {
  return kind == Kind::Object && type && type->kind == Kind::Global ? type->text : std::string();
}

std::string Value::describe() const {
  switch (kind) {
    case Kind::None: return "None";
    case Kind::Bool: return boolean ? "True" : "False";
    case Kind::Int: return "int " + std::to_string(integer);
    case Kind::Float: return "float " + std::to_string(number);
    case Kind::String: return "str '" + text + "'";
    case Kind::Bytes: return "bytes";
    case Kind::List: return "list of " + std::to_string(items.size());
    case Kind::Tuple: return "tuple of " + std::to_string(items.size());
    case Kind::Dict: return "dict";
    case Kind::Set: return "set";
    case Kind::Global: return "class " + text;
    case Kind::Object: return "object " + className();
    case Kind::PersistentId: return "persistent id";
  }
  return "value";
}

namespace {

/// Appends code point `code` as UTF-8.
void appendUtf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xc0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xe0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  }
}

/// The bytes of UTF-8 text whose code points are all below 256 (Python's str.encode('latin1')),
/// or nullopt.
std::optional<std::string> utf8ToLatin1(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      out += static_cast<char>(b);
    } else if ((b & 0xe0) == 0xc0 && b <= 0xc3 && i + 1 < text.size()) {
      out += static_cast<char>(((b & 0x1f) << 6) | (static_cast<unsigned char>(text[++i]) & 0x3f));
    } else {
      return std::nullopt;
    }
  }
  return out;
}

/// Protocol 0's raw-unicode-escape: bytes are Latin-1, except \uXXXX and \UXXXXXXXX escapes.
std::string rawUnicodeEscape(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const std::size_t digits = raw[i] == '\\' && i + 1 < raw.size() ? (raw[i + 1] == 'u' ? 4 : raw[i + 1] == 'U' ? 8 : 0) : 0;
    if (digits && i + 2 + digits <= raw.size()) {
      const std::string hex(raw.substr(i + 2, digits));
      char* end = nullptr;
      const auto code = std::strtoul(hex.c_str(), &end, 16);
      if (end == hex.c_str() + digits) {
        appendUtf8(out, static_cast<std::uint32_t>(code));
        i += 1 + digits;
        continue;
      }
    }
    appendUtf8(out, static_cast<unsigned char>(raw[i]));
  }
  return out;
}

Ref make(Value::Kind kind) {
  auto v = std::make_shared<Value>();
  v->kind = kind;
  return v;
}

class Reader {
 public:
  Reader(std::string_view bytes, const std::string& source) : bytes_(bytes), source_(source) {}

  Ref run() {
    while (true) {
      if (pos_ >= bytes_.size()) fail("the stream ends before STOP");
      op_start_ = pos_;
      const auto op = static_cast<unsigned char>(bytes_[pos_++]);
      if (op == '.') break;
      step(op);
    }
    if (stack_.size() != 1) fail("STOP with " + std::to_string(stack_.size()) + " values on the stack, expected 1");
    return stack_.back();
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(source_ + ": pickle byte " + std::to_string(op_start_) + ": " + what);
  }

  std::string_view take(std::uint64_t n) {
    if (n > bytes_.size() - pos_) fail("truncated (" + std::to_string(n) + " bytes announced)");
    const auto s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::uint64_t little(int n) {
    const auto s = take(n);
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[i]);
    return v;
  }
  std::string line() {
    const auto end = bytes_.find('\n', pos_);
    if (end == std::string_view::npos) fail("a text argument without its newline");
    std::string s(bytes_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }

  Ref pop() {
    if (stack_.size() <= floor()) fail("pops from an empty stack");
    Ref v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  Ref& top() {
    if (stack_.size() <= floor()) fail("reads an empty stack");
    return stack_.back();
  }
  std::size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  /// The values above the last MARK, which is removed.
  std::vector<Ref> popMark() {
    if (marks_.empty()) fail("no MARK to pop to");
    const std::size_t m = marks_.back();
    marks_.pop_back();
    std::vector<Ref> out(std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(m)),
                         std::make_move_iterator(stack_.end()));
    stack_.resize(m);
    return out;
  }

  void push(Ref v) { stack_.push_back(std::move(v)); }
  void pushInt(std::int64_t i) {
    auto v = make(Value::Kind::Int);
    v->integer = i;
    push(std::move(v));
  }
  void pushString(std::string_view s, Value::Kind kind = Value::Kind::String) {
    auto v = make(kind);
    v->text = std::string(s);
    push(std::move(v));
  }
  void pushTuple(std::vector<Ref> items) {
    auto v = make(Value::Kind::Tuple);
    v->items = std::move(items);
    push(std::move(v));
  }
  void pushGlobal(const std::string& module, const std::string& name) {
    pushString(module + "." + name, Value::Kind::Global);
  }

  void memoize(std::uint64_t index) { memo_[index] = top(); }
  Ref memoized(std::uint64_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo entry " + std::to_string(index) + " was never stored");
    return it->second;
  }

  void setItems(const Ref& target, std::vector<Ref> kv) {
    if (!target->isDictLike()) fail("sets items on a " + target->describe());
    if (kv.size() % 2) fail("an odd number of values for dict items");
    for (std::size_t i = 0; i < kv.size(); i += 2) target->entries.emplace_back(kv[i], kv[i + 1]);
  }
  void appendItems(const Ref& target, std::vector<Ref> values) {
    if (target->kind != Value::Kind::List && target->kind != Value::Kind::Object && target->kind != Value::Kind::Set)
      fail("appends to a " + target->describe());
    for (auto& v : values) target->items.push_back(std::move(v));
  }

  /// An object built from `callable` and its arguments: the few builtins that stand for plain
  /// containers become them, everything else an Object.
  Ref build(const Ref& callable, const Ref& args) {
    if (args->kind != Value::Kind::Tuple) fail("arguments that are a " + args->describe() + ", not a tuple");
    const std::string name = callable->kind == Value::Kind::Global ? callable->text : std::string();
    if ((name == "collections.OrderedDict" || name == "builtins.dict" || name == "__builtin__.dict") &&
        args->items.empty())
      return make(Value::Kind::Dict);
    // Protocols 0 to 2 write bytes as _codecs.encode(text, 'latin1').
    if (name == "_codecs.encode" && args->items.size() == 2 && args->items[0]->kind == Value::Kind::String &&
        args->items[1]->kind == Value::Kind::String && args->items[1]->text == "latin1")
      if (auto bytes = utf8ToLatin1(args->items[0]->text)) {
        auto b = make(Value::Kind::Bytes);
        b->text = std::move(*bytes);
        return b;
      }
    if (name == "builtins.set" || name == "builtins.frozenset" || name == "__builtin__.set") {
      auto s = make(Value::Kind::Set);
      if (!args->items.empty()) s->items = args->items.front()->items;
      return s;
    }
    auto o = make(Value::Kind::Object);
    // copyreg._reconstructor(cls, base, state): how protocol 2 rebuilds instances of classes
    // (dict subclasses such as Lightning's AttributeDict): the object is of class cls.
    if (name == "copyreg._reconstructor" && !args->items.empty()) {
      o->type = args->items.front();
      return o;
    }
    o->type = callable;
    o->items = args->items;
    return o;
  }

  void step(unsigned char op) {
    using K = Value::Kind;
    switch (op) {
      case 0x80: take(1); return;                    // PROTO
      case 0x95: take(8); return;                    // FRAME (a hint only)
      case 0x98: return;                             // READONLY_BUFFER
      case '(': marks_.push_back(stack_.size()); return;
      case '0': pop(); return;
      case '1': popMark(); return;
      case '2': push(top()); return;
      case 'N': push(make(K::None)); return;
      case 0x88:
      case 0x89: {
        auto v = make(K::Bool);
        v->boolean = op == 0x88;
        push(std::move(v));
        return;
      }
      case 'K': pushInt(static_cast<std::int64_t>(little(1))); return;
      case 'M': pushInt(static_cast<std::int64_t>(little(2))); return;
      case 'J': pushInt(static_cast<std::int32_t>(static_cast<std::uint32_t>(little(4)))); return;
      case 0x8a:
      case 0x8b: {  // LONG1, LONG4: little-endian two's complement
        const std::uint64_t n = little(op == 0x8a ? 1 : 4);
        if (n > 8) fail("an integer of " + std::to_string(n) + " bytes (at most 8 are read)");
        const auto s = take(n);
        std::uint64_t v = 0;
        for (std::size_t i = n; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(s[i]);
        if (n > 0 && n < 8 && (static_cast<unsigned char>(s[n - 1]) & 0x80)) v |= ~std::uint64_t{0} << (8 * n);
        pushInt(static_cast<std::int64_t>(v));
        return;
      }
      case 'I':
      case 'L': {  // INT, LONG as text ("I01" / "I00" are True / False)
        std::string t = line();
        if (op == 'I' && (t == "01" || t == "00")) {
          auto v = make(K::Bool);
          v->boolean = t == "01";
          push(std::move(v));
          return;
        }
        if (!t.empty() && t.back() == 'L') t.pop_back();
        try {
          pushInt(std::stoll(t));
        } catch (const std::exception&) {
          fail("integer '" + t + "'");
        }
        return;
      }
      case 'G': {  // BINFLOAT, big-endian
        const auto s = take(8);
        std::uint64_t bits = 0;
        for (const char c : s) bits = (bits << 8) | static_cast<unsigned char>(c);
        auto v = make(K::Float);
        std::memcpy(&v->number, &bits, sizeof bits);
        push(std::move(v));
        return;
      }
      case 'F': {
        const std::string t = line();
        auto v = make(K::Float);
        try {
          v->number = std::stod(t);
        } catch (const std::exception&) {
          fail("float '" + t + "'");
        }
        push(std::move(v));
        return;
      }
      case 'X': pushString(take(little(4))); return;
      case 0x8c: pushString(take(little(1))); return;
      case 0x8d: pushString(take(little(8))); return;
      case 'T': pushString(take(little(4))); return;  // Python 2 str
      case 'U': pushString(take(little(1))); return;
      case 'B': pushString(take(little(4)), K::Bytes); return;
      case 'C': pushString(take(little(1)), K::Bytes); return;
      case 0x8e:
      case 0x96: pushString(take(little(8)), K::Bytes); return;
      case 'V': pushString(rawUnicodeEscape(line())); return;
      case 'S': {
        std::string t = line();
        if (t.size() >= 2 && (t.front() == '\'' || t.front() == '"')) t = t.substr(1, t.size() - 2);
        pushString(t);
        return;
      }
      case ')': pushTuple({}); return;
      case 't': pushTuple(popMark()); return;
      case 0x85:
      case 0x86:
      case 0x87: {
        std::vector<Ref> items(op - 0x84);
        for (std::size_t i = items.size(); i-- > 0;) items[i] = pop();
        pushTuple(std::move(items));
        return;
      }
      case ']': push(make(K::List)); return;
      case 'l': {
        auto v = make(K::List);
        v->items = popMark();
        push(std::move(v));
        return;
      }
      case '}': push(make(K::Dict)); return;
      case 'd': {
        auto v = make(K::Dict);
        setItems(v, popMark());
        push(std::move(v));
        return;
      }
      case 0x8f: push(make(K::Set)); return;
      case 0x91: {
        auto v = make(K::Set);
        v->items = popMark();
        push(std::move(v));
        return;
      }
      case 'a': {
        auto v = pop();
        appendItems(top(), {std::move(v)});
        return;
      }
      case 'e':
      case 0x90: {
        auto values = popMark();
        appendItems(top(), std::move(values));
        return;
      }
      case 's': {
        auto v = pop();
        auto k = pop();
        setItems(top(), {std::move(k), std::move(v)});
        return;
      }
      case 'u': {
        auto kv = popMark();
        setItems(top(), std::move(kv));
        return;
      }
      case 'c': {
        const std::string module = line();
        const std::string name = line();
        pushGlobal(module, name);
        return;
      }
      case 0x93: {
        const Ref name = pop(), module = pop();
        if (module->kind != K::String || name->kind != K::String) fail("STACK_GLOBAL without two strings");
        pushGlobal(module->text, name->text);
        return;
      }
      case 'R': {
        const Ref args = pop(), callable = pop();
        push(build(callable, args));
        return;
      }
      case 0x81: {
        const Ref args = pop(), cls = pop();
        push(build(cls, args));
        return;
      }
      case 0x92: {
        pop();  // keyword arguments
        const Ref args = pop(), cls = pop();
        push(build(cls, args));
        return;
      }
      case 'b': {
        Ref state = pop();
        top()->state = std::move(state);
        return;
      }
      case 'Q': {
        auto v = make(K::PersistentId);
        const Ref id = pop();
        v->items = id->kind == K::Tuple ? id->items : std::vector<Ref>{id};
        push(std::move(v));
        return;
      }
      case 'P': {
        auto v = make(K::PersistentId);
        auto id = make(K::String);
        id->text = line();
        v->items = {id};
        push(std::move(v));
        return;
      }
      case 'q': memoize(little(1)); return;
      case 'r': memoize(little(4)); return;
      case 0x94: memoize(memo_.size()); return;
      case 'p': {
        const std::string t = line();
        try {
          memoize(std::stoull(t));
        } catch (const std::exception&) {
          fail("memo index '" + t + "'");
        }
        return;
      }
      case 'h': push(memoized(little(1))); return;
      case 'j': push(memoized(little(4))); return;
      case 'g': {
        const std::string t = line();
        try {
          push(memoized(std::stoull(t)));
        } catch (const Error&) {
          throw;
        } catch (const std::exception&) {
          fail("memo index '" + t + "'");
        }
        return;
      }
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        fail(std::string("unknown or unsupported opcode ") + hex);
      }
    }
  }

  std::string_view bytes_;
  const std::string& source_;
  std::size_t pos_ = 0, op_start_ = 0;
  std::vector<Ref> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, Ref> memo_;
};

}  // namespace

Ref load(std::string_view bytes, const std::string& source) { return Reader(bytes, source).run(); }

}  // namespace efgnn::pickle
