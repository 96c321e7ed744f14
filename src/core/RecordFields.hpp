#pragma once
// Result structs that are written as JSON and read back (a pruning round's round.json, a scan
// run's result.json): one table of fields per struct serves both directions, so a key is named
// once. A struct takes part by a static `fields()` returning its table; members may be scalars,
// strings or other such structs (nested objects).
#include <functional>
#include <string>
#include <vector>

#include "core/ConfigFields.hpp"
#include "core/Json.hpp"
#include "core/Yaml.hpp"

namespace efgnn {

template <class Record>
struct RecordField {
  const char* name;
  std::function<Json(const Record&)> write;
  std::function<void(Record&, const YamlNode&)> read;
};

template <class T>
concept HasRecordFields = requires { T::fields(); };

template <HasRecordFields Record>
Json recordJson(const Record& record);
template <HasRecordFields Record>
Record readRecord(const YamlNode& node);

/// A field for a member: bool, string, integer, floating point, or a struct with fields().
template <class Record, class T>
RecordField<Record> recordField(const char* name, T Record::*member) {
  if constexpr (HasRecordFields<T>)
    return {name, [member](const Record& r) { return recordJson(r.*member); },
            [member](Record& r, const YamlNode& n) { r.*member = readRecord<T>(n); }};
  else
    return {name, [member](const Record& r) { return Json(r.*member); },
            [member](Record& r, const YamlNode& n) { r.*member = readValue<T>(n); }};
}

/// The fields as one JSON object, in table order.
template <HasRecordFields Record>
Json recordJson(const Record& record) {
  Json j = Json::object();
  for (const auto& f : Record::fields()) j[f.name] = f.write(record);
  return j;
}

/// Reads what recordJson writes. Every field is required (a missing one is an error naming the
/// file, line and key); keys outside the table are ignored, so newer files stay readable.
template <HasRecordFields Record>
Record readRecord(const YamlNode& node) {
  Record record;
  for (const auto& f : Record::fields()) f.read(record, node[f.name]);
  return record;
}

}  // namespace efgnn
