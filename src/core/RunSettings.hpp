#pragma once
// The settings a resumable command ran with, kept in the JSON file that describes its outputs
// (simulation.json, manifest.json), so that --resume can refuse to add outputs of other
// settings to them: the files would no longer be what that description says.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace efgnn {

/// What differs between the settings recorded in `before` (a JSON object's text, read from
/// `source`) and `after`: one "  key: old -> new" line per top-level key whose value changed,
/// empty when they agree. Keys in `ignore` may change; keys present on one side only are
/// differences too (an efgnn too old to record them, or a newer one).
std::string settingsChanges(const std::string& before, const std::string& after, const std::string& source,
                            const std::vector<std::string>& ignore = {});
/// The same for settings already read as key -> value text.
std::string settingsChanges(const std::map<std::string, std::string>& before,
                            const std::map<std::string, std::string>& after, const std::vector<std::string>& ignore = {});

/// An input file's identity for such settings: its size and a 64-bit FNV-1a hash of its bytes
/// ("1234 bytes, fnv1a 0123456789abcdef"), so that a file replaced under the same name shows.
std::string fileFingerprint(const std::filesystem::path& file);

}  // namespace efgnn
