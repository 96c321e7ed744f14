#include "core/Progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace efgnn {

Progress::Progress(std::string label, std::size_t total, std::string unit)
    : Progress(std::move(label), total, std::move(unit), isatty(STDERR_FILENO) != 0) {}

Progress::Progress(std::string label, std::size_t total, std::string unit, bool enabled)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), enabled_(enabled),
      start_(std::chrono::steady_clock::now()), lastDraw_(start_) {}

Progress::~Progress() { finish(); }

double Progress::elapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::add(std::size_t n) {
  done_ += n;
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (now - lastDraw_ < std::chrono::milliseconds(200)) return;
  lastDraw_ = now;
  draw(false);
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (enabled_) draw(true);
}

void Progress::draw(bool final) {
  const std::size_t done = done_;
  const double t = elapsedSeconds();
  const double rate = t > 0 ? done / t : 0;
  char eta[32] = "";
  if (!final && rate > 0 && total_ > done)
    std::snprintf(eta, sizeof eta, "  ETA %.0f s", (total_ - done) / rate);
  std::fprintf(stderr, "\r%s: %zu/%zu %s  %.2f %s/s%s\033[K%s", label_.c_str(), done, total_,
               unit_.c_str(), rate, unit_.c_str(), eta, final ? "\n" : "");
  std::fflush(stderr);
}

}  // namespace efgnn
