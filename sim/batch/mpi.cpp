#include "sim/batch/mpi.hpp"

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#ifdef CAPSIM_HAVE_MPI
#include <mpi.h>
#endif

namespace capsim {

int mpirun_world_size() {
  const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
  return size ? std::atoi(size) : 0;
}

#ifdef CAPSIM_HAVE_MPI

namespace {

enum Tag : int { tag_ready = 1, tag_task = 2, tag_stop = 3, tag_result = 4, tag_done = 5 };

void pause_briefly() {
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

} // namespace

bool mpi_compiled() {
  return true;
}

MpiSession::MpiSession() {
  MPI_Init(nullptr, nullptr);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

MpiSession::~MpiSession() {
  MPI_Finalize();
}

void MpiSession::abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::abort();
}

void mpi_master(const std::vector<std::size_t>& tasks, const std::function<void(ResultRow)>& on_row,
                const std::function<void()>& idle) {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int active = size - 1;
  std::size_t next = 0;
  auto last_idle = std::chrono::steady_clock::now();
  while (active > 0) {
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
    auto now = std::chrono::steady_clock::now();
    if (now - last_idle > std::chrono::milliseconds(100)) {
      idle();
      last_idle = now;
    }
    if (!flag) {
      pause_briefly(); // OpenMPI's blocking receive would spin a core
      continue;
    }
    int source = status.MPI_SOURCE;
    if (status.MPI_TAG == tag_result) {
      int count = 0;
      MPI_Get_count(&status, MPI_CHAR, &count);
      std::string text(static_cast<std::size_t>(count), '\0');
      MPI_Recv(text.data(), count, MPI_CHAR, source, tag_result, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      on_row(row_from_text(text));
    } else if (status.MPI_TAG == tag_ready) {
      MPI_Recv(nullptr, 0, MPI_CHAR, source, tag_ready, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      if (next < tasks.size()) {
        unsigned long long task = tasks[next++];
        MPI_Send(&task, 1, MPI_UNSIGNED_LONG_LONG, source, tag_task, MPI_COMM_WORLD);
      } else {
        MPI_Send(nullptr, 0, MPI_CHAR, source, tag_stop, MPI_COMM_WORLD);
      }
    } else if (status.MPI_TAG == tag_done) {
      MPI_Recv(nullptr, 0, MPI_CHAR, source, tag_done, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      --active;
    } else {
      throw std::runtime_error("MPI: unexpected message tag " + std::to_string(status.MPI_TAG));
    }
  }
}

void mpi_worker(RunLauncher& launcher, std::size_t jobs) {
  std::size_t outstanding = 0;
  bool stopped = false;
  for (;;) {
    while (!stopped && launcher.running() + outstanding < jobs) {
      MPI_Send(nullptr, 0, MPI_CHAR, 0, tag_ready, MPI_COMM_WORLD);
      ++outstanding;
    }
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
    if (flag) {
      if (status.MPI_TAG == tag_task) {
        unsigned long long task = 0;
        MPI_Recv(&task, 1, MPI_UNSIGNED_LONG_LONG, 0, tag_task, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        launcher.start(static_cast<std::size_t>(task));
      } else {
        MPI_Recv(nullptr, 0, MPI_CHAR, 0, tag_stop, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        stopped = true;
      }
      --outstanding;
    }
    if (launcher.running() > 0) {
      for (const auto& row : launcher.wait(flag ? 0 : 0.001)) {
        std::string text = row_to_text(row);
        MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, 0, tag_result,
                 MPI_COMM_WORLD);
      }
    } else if (!flag) {
      pause_briefly();
    }
    if (stopped && outstanding == 0 && launcher.running() == 0) break;
  }
  MPI_Send(nullptr, 0, MPI_CHAR, 0, tag_done, MPI_COMM_WORLD);
}

#else

bool mpi_compiled() {
  return false;
}

MpiSession::MpiSession() {
  throw std::runtime_error("this capsim was built without MPI (install libopenmpi-dev and "
                           "rebuild), so it cannot run under mpirun; use --shard I/N instead");
}

MpiSession::~MpiSession() = default;

void MpiSession::abort(int code) {
  std::exit(code);
}

void mpi_master(const std::vector<std::size_t>&, const std::function<void(ResultRow)>&,
                const std::function<void()>&) {
  throw std::runtime_error("built without MPI");
}

void mpi_worker(RunLauncher&, std::size_t) {
  throw std::runtime_error("built without MPI");
}

#endif

} // namespace capsim
