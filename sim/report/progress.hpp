// A progress bar on stderr for long work (sweeps, long runs): done/total, percentage, rate and
// estimated time left. It draws only when enabled and stderr is a terminal, at most ten times
// a second, so redirected output and logs stay clean.
#pragma once

#include <chrono>
#include <string>

namespace capsim {

class ProgressBar {
public:
  ProgressBar(std::string label, double total, bool enabled);
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  ~ProgressBar(); // finish()

  void update(double done);
  void finish(); // draws the final state and ends the line; later updates are ignored

  bool active() const { return enabled_; }
  // The text drawn for `done` after `elapsed_s` (exposed for tests): label, bar, counts,
  // percentage, rate per second and ETA.
  std::string line(double done, double elapsed_s, int width = 80) const;

private:
  void draw(bool force);

  std::string label_;
  double total_ = 0;
  double done_ = 0;
  bool enabled_ = false;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// "1:02:03", "4:05", "--:--" for unknown.
std::string format_duration(double seconds);

} // namespace capsim
