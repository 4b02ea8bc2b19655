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

double every_s = 60;
bool every_explicit = false;

} // namespace

void set_progress_every(double seconds, bool explicit_choice) {
  every_s = seconds > 0 ? seconds : 0;
  every_explicit = explicit_choice;
}

double progress_every() {
  return every_s;
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  auto total = static_cast<long long>(std::llround(seconds));
  long long h = total / 3600, m = total / 60 % 60, s = total % 60;
  if (h > 0) return fmt::format("{}:{:02}:{:02}", h, m, s);
  return fmt::format("{}:{:02}", m, s);
}

ProgressBar::ProgressBar(std::string label, double total, bool enabled)
    : label_(std::move(label)), total_(total), start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
  bool terminal = ::isatty(STDERR_FILENO);
  plain_ = !terminal || every_explicit;
  every_s_ = every_s;
  enabled_ = enabled && (!plain_ || every_s_ > 0);
}

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

std::string ProgressBar::plain_line(double done, double elapsed_s) const {
  double fraction = total_ > 0 ? std::clamp(done / total_, 0.0, 1.0) : 1.0;
  double rate = elapsed_s > 0 ? done / elapsed_s : 0;
  double eta = rate > 0 ? (total_ - done) / rate : NAN;
  return fmt::format("{}: {}/{} ({:.0f}%), {:.3g}/s, elapsed {}, ETA {}", label_,
                     format_count(std::round(done * 100) / 100), format_count(total_),
                     fraction * 100, rate, format_duration(elapsed_s), format_duration(eta));
}

void ProgressBar::update(double done) {
  if (!enabled_ || finished_) return;
  done_ = done;
  draw(false);
}

void ProgressBar::finish() {
  if (!enabled_ || finished_) return;
  if (plain_) {
    if (printed_plain_) draw(true); // the last line, when the log already has earlier ones
  } else {
    draw(true);
    std::fputc('\n', stderr);
    std::fflush(stderr);
  }
  finished_ = true;
}

void ProgressBar::draw(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (plain_) {
    if (!force && now - last_draw_ < std::chrono::duration<double>(every_s_)) return;
    last_draw_ = now;
    std::string text = plain_line(done_, std::chrono::duration<double>(now - start_).count());
    std::fprintf(stderr, "%s\n", text.c_str());
    std::fflush(stderr);
    printed_plain_ = true;
    return;
  }
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  double elapsed_s = std::chrono::duration<double>(now - start_).count();
  std::string text = line(done_, elapsed_s, terminal_width());
  std::fprintf(stderr, "\r%s\x1b[K", text.c_str());
  std::fflush(stderr);
}

} // namespace capsim
