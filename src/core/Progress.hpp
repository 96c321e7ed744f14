#pragma once
// Progress of a long job on a terminal: items done, rate, ETA. Silent when stderr is not a
// terminal (logs, CI), so batch logs stay clean.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace efgnn {

class Progress {
 public:
  /// `enabled` defaults to "stderr is a terminal".
  Progress(std::string label, std::size_t total, std::string unit = "events");
  Progress(std::string label, std::size_t total, std::string unit, bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Thread-safe; redraws at most a few times per second.
  void add(std::size_t n = 1);
  void finish();
  double elapsedSeconds() const;

 private:
  void draw(bool final);
  std::string label_, unit_;
  std::size_t total_;
  bool enabled_;
  std::atomic<std::size_t> done_{0};
  std::chrono::steady_clock::time_point start_, lastDraw_;
  std::mutex mutex_;
  bool finished_ = false;
};

}  // namespace efgnn
