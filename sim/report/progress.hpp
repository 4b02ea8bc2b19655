// Progress on stderr for long work (sweeps, long runs): done/total, percentage, rate and
// estimated time left. On a terminal, a bar redrawn at most ten times a second. Off a terminal
// (a batch job's log), a plain line every progress_every() seconds (default 60; `--progress-every
// S` sets it, 0 turns the lines off), and a last line at the end if any was printed; on a
// terminal, --progress-every gives those lines instead of the bar. Nothing when disabled
// (--quiet).
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
  // The plain line printed off a terminal: "LABEL: DONE/TOTAL (P%), RATE/s, elapsed E, ETA T".
  std::string plain_line(double done, double elapsed_s) const;

private:
  void draw(bool force);

  std::string label_;
  double total_ = 0;
  double done_ = 0;
  bool enabled_ = false;
  bool plain_ = false; // plain lines rather than a bar
  double every_s_ = 0; // seconds between plain lines
  bool printed_plain_ = false;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// Seconds between plain progress lines: default 60; 0 prints none. `explicit_choice`: given on
// the command line (then the lines replace the bar on a terminal too).
void set_progress_every(double seconds, bool explicit_choice = true);
double progress_every();

// "1:02:03", "4:05", "--:--" for unknown.
std::string format_duration(double seconds);

} // namespace capsim
