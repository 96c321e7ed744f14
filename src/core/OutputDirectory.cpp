#include "core/OutputDirectory.hpp"

#include <algorithm>
#include <sstream>

#include "core/AtomicFile.hpp"
#include "core/Error.hpp"

namespace efgnn {

namespace fs = std::filesystem;

OutputDirectory::OutputDirectory(fs::path dir, std::string command)
    : dir_(std::move(dir)), command_(std::move(command)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw Error(dir_.string() + ": cannot create directory: " + ec.message());
  if (!fs::is_directory(dir_)) throw Error(dir_.string() + ": not a directory");
  readRecord();
  std::set<std::string> everyones(recorded_);
  for (const auto& line : other_lines_) everyones.insert(line.substr(line.find(' ') + 1));
  removeStaleTemporaries(
      dir_, [&](const std::string& target) { return everyones.count(target) || target == kRecordName; },
      [&](const std::string& target) { return target == "." + command_; });
}

fs::path OutputDirectory::scratchPath() const { return temporaryPathFor(dir_ / ("." + command_)); }

void OutputDirectory::readRecord() {
  const fs::path file = dir_ / kRecordName;
  if (!fs::exists(file)) return;
  std::istringstream in(readFile(file));
  std::size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.find(' ');
    const std::string name = space == std::string::npos ? "" : line.substr(space + 1);
    // Only plain names inside the directory: a record must never make --force reach outside.
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
      throw inputError(file.string(), number, "not a 'COMMAND FILE' line naming a file of this directory");
    if (line.compare(0, space, command_) == 0 && space == command_.size())
      recorded_.insert(name);
    else
      other_lines_.push_back(line);
  }
}

std::vector<std::string> OutputDirectory::foreign() const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == kRecordName || recorded_.count(name) || isTemporaryName(name)) continue;
    out.push_back(name);
  }
  if (ec) throw Error(dir_.string() + ": cannot list directory: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

void OutputDirectory::refuseForeign(const std::string& option) const {
  const auto names = foreign();
  if (names.empty()) return;
  std::string list;
  for (std::size_t i = 0; i < names.size() && i < 5; ++i) list += (i ? ", " : "") + names[i];
  if (names.size() > 5) list += " and " + std::to_string(names.size() - 5) + " more";
  throw Error(dir_.string() + ": holds files that efgnn " + command_ + " did not write there (" + list + "); " +
              option + " replaces only its own outputs: move them away or choose another --out");
}

void OutputDirectory::removeRecorded() {
  for (const auto& name : recorded_) {
    std::error_code ec;
    fs::remove(dir_ / name, ec);
    if (ec) throw Error((dir_ / name).string() + ": cannot remove: " + ec.message());
  }
  recorded_.clear();
  writeRecord();
}

void OutputDirectory::clearForForce(const std::string& option) {
  refuseForeign(option);
  removeRecorded();
}

void OutputDirectory::claim(bool force, const std::string& what) const {
  // (A scratch directory of a killed run was removed by the constructor.)
  const bool holds_files = !recorded_.empty() || !foreign().empty();
  if (holds_files && !force)
    throw Error(dir_.string() + ": already exists; use --force to replace the " + what + " in it or another --out");
  if (force) refuseForeign("--force");
}

void OutputDirectory::record(const std::vector<std::string>& names) {
  const std::size_t before = recorded_.size();
  recorded_.insert(names.begin(), names.end());
  if (recorded_.size() != before || !fs::exists(dir_ / kRecordName)) writeRecord();
}

void OutputDirectory::writeRecord() const {
  std::string text = "# files efgnn wrote in this directory; --force removes these and nothing else\n";
  for (const auto& line : other_lines_) text += line + "\n";
  for (const auto& name : recorded_) text += command_ + " " + name + "\n";
  writeFileAtomically(dir_ / kRecordName, text);
}

}  // namespace efgnn
