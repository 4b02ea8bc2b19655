#include "sim/report/progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace capsim {

namespace {

int terminal_width() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col >= 40) return size.ws_col;
  return 80;
}

std::string format_count(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) return fmt::format("{:.0f}", value);
  return fmt::format("{:.3g}", value);
}

} // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  auto total = static_cast<long long>(std::llround(seconds));
  long long h = total / 3600, m = total / 60 % 60, s = total % 60;
  if (h > 0) return fmt::format("{}:{:02}:{:02}", h, m, s);
  return fmt::format("{}:{:02}", m, s);
}

ProgressBar::ProgressBar(std::string label, double total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled && ::isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()), last_draw_() {}

ProgressBar::~ProgressBar() {
  finish();
}

std::string ProgressBar::line(double done, double elapsed_s, int width) const {
  double fraction = total_ > 0 ? std::clamp(done / total_, 0.0, 1.0) : 1.0;
  double rate = elapsed_s > 0 ? done / elapsed_s : 0;
  double eta = rate > 0 ? (total_ - done) / rate : NAN;
  std::string tail = fmt::format(" {}/{} {:3.0f}% {:.3g}/s ETA {}", format_count(done),
                                 format_count(total_), fraction * 100, rate, format_duration(eta));
  std::string head = label_ + " [";
  int bar = width - 1 - static_cast<int>(head.size() + tail.size()) - 1;
  if (bar < 10) bar = 10;
  int filled = static_cast<int>(std::floor(fraction * bar));
  return head + std::string(filled, '#') + std::string(bar - filled, '.') + "]" + tail;
}

void ProgressBar::update(double done) {
  if (!enabled_ || finished_) return;
  done_ = done;
  draw(false);
}

void ProgressBar::finish() {
  if (!enabled_ || finished_) return;
  draw(true);
  std::fputc('\n', stderr);
  std::fflush(stderr);
  finished_ = true;
}

void ProgressBar::draw(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  double elapsed_s = std::chrono::duration<double>(now - start_).count();
  std::string text = line(done_, elapsed_s, terminal_width());
  std::fprintf(stderr, "\r%s\x1b[K", text.c_str());
  std::fflush(stderr);
}

} // namespace capsim
