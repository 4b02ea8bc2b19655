#include "sim/engine/engine_options.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <simgrid/s4u.hpp>
#include <sys/wait.h>
#include <unistd.h>
#include <xbt/log.h>

#include "sim/scenario/diagnostics.hpp"

namespace sg4 = simgrid::s4u;

namespace capsim {

namespace {

// SimGrid's own message: the first "[...CRITICAL] ..." line, without the exception's type.
std::string simgrid_reason(const std::string& output) {
  std::size_t start = 0;
  while (start < output.size()) {
    std::size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    std::string line = output.substr(start, end - start);
    auto mark = line.find("CRITICAL] ");
    if (mark != std::string::npos) {
      std::string reason = line.substr(mark + 10);
      const std::string uncaught = "Uncaught exception ";
      if (reason.starts_with(uncaught)) {
        reason = reason.substr(uncaught.size());
        auto colon = reason.find(": ");
        if (colon != std::string::npos) reason = reason.substr(colon + 2);
      }
      return reason;
    }
    start = end + 1;
  }
  auto first = output.find('\n');
  return first == std::string::npos ? output : output.substr(0, first);
}

} // namespace

void check_engine_args(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (!a.starts_with("--cfg=") && !a.starts_with("--log="))
      fail_input("--engine " + a, "SimGrid takes only --cfg=KEY:VALUE and --log=CONTROL options "
                                  "(e.g. --engine --cfg=contexts/factory:ucontext)");
  if (args.empty()) return;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe failed: ") + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(pipe_fds[1], 2);
    ::close(pipe_fds[0]);
    xbt_log_control_set("root.thresh:critical");
    std::vector<std::string> copy{"capsim"};
    copy.insert(copy.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : copy)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    int argc = static_cast<int>(copy.size());
    auto say = [](const std::string& message) {
      std::string line = "[CRITICAL] " + message + "\n";
      ssize_t ignored = ::write(2, line.data(), line.size());
      (void)ignored;
    };
    try {
      sg4::Engine engine(&argc, argv.data());
      if (argc > 1) {
        say(std::string("SimGrid ignores '") + argv[1] + "'");
        ::_exit(3);
      }
      ::_exit(0); // accepted; the engine is never run nor destroyed
    } catch (const std::exception& e) {
      say(e.what());
      ::_exit(3);
    } catch (...) {
      say("unknown error");
      ::_exit(3);
    }
  }
  ::close(pipe_fds[1]);
  std::string output;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) output.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  std::string all;
  for (const auto& a : args)
    all += (all.empty() ? "" : " ") + a;
  fail_input("--engine " + all, "SimGrid does not accept this option: " + simgrid_reason(output));
}

} // namespace capsim
