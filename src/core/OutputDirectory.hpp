#pragma once
// A directory that a command writes its outputs into. Which files there are efgnn's is
// recorded in the directory itself (kRecordName: one "COMMAND FILE" line per file), written
// before the files are, so that --force removes exactly what an earlier run of the same
// command wrote, whether that run finished or was killed, and never anything else.
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace efgnn {

class OutputDirectory {
 public:
  static constexpr const char* kRecordName = ".efgnn-outputs";

  /// `command` names the writer ("simulate", "report", ...). Creates `dir` if needed and
  /// removes the temporary files that killed runs of efgnn left there for the files it
  /// recorded, and their scratch directories.
  OutputDirectory(std::filesystem::path dir, std::string command);

  const std::filesystem::path& path() const { return dir_; }
  /// Files an earlier run of this command recorded here (names relative to the directory).
  const std::set<std::string>& recorded() const { return recorded_; }
  /// Entries here that are not this command's outputs: another command's, or not efgnn's at
  /// all. The record itself and temporaries of running writers are not counted.
  std::vector<std::string> foreign() const;

  /// Throws an Error naming up to five of foreign() when there are any: `option` (--force)
  /// would otherwise mix this command's outputs with files it did not write.
  void refuseForeign(const std::string& option) const;
  /// Removes the files recorded for this command (the earlier run's outputs) and forgets them.
  void removeRecorded();
  /// --force: refuseForeign, then removeRecorded.
  void clearForForce(const std::string& option = "--force");
  /// For a command whose outputs replace its earlier ones whole (`what`: "tracks"): a directory
  /// that holds files needs `force`, and then may hold only this command's (refuseForeign).
  /// The earlier outputs stay until removeRecorded.
  void claim(bool force, const std::string& what) const;

  /// A fresh scratch directory's path inside this one (".COMMAND.tmp.PID.N", not yet created):
  /// counted as nobody's output, and removed by the next run if this one is killed.
  std::filesystem::path scratchPath() const;

  /// Adds `names` (relative to the directory) to the record, written atomically, before the
  /// files themselves are written.
  void record(const std::vector<std::string>& names);

 private:
  void readRecord();
  void writeRecord() const;

  std::filesystem::path dir_;
  std::string command_;
  std::set<std::string> recorded_;
  std::vector<std::string> other_lines_;  // other commands' entries, kept as they are
};

}  // namespace efgnn
