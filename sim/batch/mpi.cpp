#include "sim/batch/mpi.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "sim/scenario/diagnostics.hpp"

#ifdef CAPSIM_HAVE_MPI
#include <mpi.h>
#endif

namespace capsim {

namespace {

// A non-negative integer variable, or -1 when absent or not a number.
int env_int(const GetEnv& getenv_fn, const char* name) {
  const char* text = getenv_fn(name);
  if (!text || !*text) return -1;
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  // SLURM_TASKS_PER_NODE-like values ("2(x3),1") count by their first number.
  if (end == text || value < 0 || value > 1000000000) return -1;
  return static_cast<int>(value);
}

bool env_set(const GetEnv& getenv_fn, const char* name) {
  const char* text = getenv_fn(name);
  return text && *text;
}

const char* const pmix_server_variables[] = {"PMIX_SERVER_URI",   "PMIX_SERVER_URI2",
                                             "PMIX_SERVER_URI21", "PMIX_SERVER_URI3",
                                             "PMIX_SERVER_URI4",  "PMIX_SERVER_URI41"};

const char* const alternatives = "run it as one process (-j N runs N at a time), or split the "
                                 "sweep into shards: capsim sweep --shard I/N, or a SLURM job "
                                 "array with tools/slurm/sweep-array.sh";

} // namespace

LaunchEnvironment detect_launch(const GetEnv& getenv_fn) {
  LaunchEnvironment env;
  // Tasks of an srun step (a batch script itself is one process: no SLURM_STEP_NUM_TASKS).
  int slurm_tasks = env_int(getenv_fn, "SLURM_STEP_NUM_TASKS");
  if (slurm_tasks < 0 && env_set(getenv_fn, "SLURM_STEP_ID"))
    slurm_tasks = env_int(getenv_fn, "SLURM_NTASKS");
  int slurm_rank = env_int(getenv_fn, "SLURM_PROCID");
  int slurm_local = env_int(getenv_fn, "SLURM_STEP_TASKS_PER_NODE");

  if (int size = env_int(getenv_fn, "OMPI_COMM_WORLD_SIZE"); size >= 0) {
    env.launcher = "Open MPI's mpirun";
    env.world_size = size;
    env.rank = std::max(0, env_int(getenv_fn, "OMPI_COMM_WORLD_RANK"));
    env.local_ranks = std::max(1, env_int(getenv_fn, "OMPI_COMM_WORLD_LOCAL_SIZE"));
    env.use_mpi = size > 1;
  } else if (int rank = env_int(getenv_fn, "PMIX_RANK"); rank >= 0) {
    env.launcher = "a PMIx launcher (PMIX_RANK is set)";
    env.rank = rank;
    env.world_size = slurm_tasks >= 1 ? slurm_tasks : 0; // PMIx does not export the size
    if (slurm_tasks >= 1) env.launcher = "srun with PMIx (PMIX_RANK is set)";
    env.local_ranks = std::max(1, slurm_local);
    bool server = std::any_of(std::begin(pmix_server_variables), std::end(pmix_server_variables),
                              [&](const char* name) { return env_set(getenv_fn, name); });
    if (env.world_size == 1) {
      // one task: nothing to share
    } else if (!server) {
      env.refusal = fmt::format("started by {} as rank {}, but no PMIx server is announced "
                                "(no PMIX_SERVER_URI* variable): there is no MPI world to "
                                "join, and every process would run the whole sweep; {}",
                                env.launcher, rank, alternatives);
    } else {
      env.use_mpi = true; // size checked once MPI is up (MpiSession)
    }
  } else if (env_set(getenv_fn, "PMI_RANK") || env_set(getenv_fn, "PMI_SIZE") ||
             env_set(getenv_fn, "MPI_LOCALNRANKS") || env_set(getenv_fn, "PMI_FD")) {
    env.launcher = "a PMI launcher of the MPICH family (mpiexec.hydra, Intel MPI, "
                   "srun --mpi=pmi2)";
    env.rank = std::max({0, env_int(getenv_fn, "PMI_RANK"), env_int(getenv_fn, "MPI_LOCALRANKID")});
    int size = env_int(getenv_fn, "PMI_SIZE");
    if (size < 0) size = slurm_tasks;
    env.world_size = size >= 0 ? size : 0;
    env.local_ranks = std::max(1, env_int(getenv_fn, "MPI_LOCALNRANKS"));
    if (env.world_size != 1)
      env.refusal = fmt::format(
          "started by {} as rank {} of {}: this capsim's MPI is Open MPI, which cannot join a "
          "PMI world, and every process would run the whole sweep; start it with Open MPI's "
          "mpirun -n N or srun --mpi=pmix -n N, or {}",
          env.launcher, env.rank, env.world_size ? std::to_string(env.world_size) : "?",
          alternatives);
  } else if (slurm_rank >= 0 && (slurm_tasks > 1 || slurm_rank > 0)) {
    env.launcher = "srun";
    env.rank = slurm_rank;
    env.world_size = slurm_tasks > 0 ? slurm_tasks : 0;
    env.local_ranks = std::max(1, slurm_local);
    env.refusal = fmt::format(
        "started by srun as task {} of {} without an MPI interface capsim can use (no PMIx: "
        "srun --mpi=none or pmi2): every task would run the whole sweep into the same "
        "directory; use srun --mpi=pmix -n N (Open MPI), srun -n 1 -c CPUS, or {}",
        env.rank, env.world_size ? std::to_string(env.world_size) : "?", alternatives);
  }
  if (env.refusal.empty() && env.use_mpi && !mpi_compiled())
    env.refusal = fmt::format("started by {} ({} processes), but this capsim was built without "
                              "MPI (install libopenmpi-dev and rebuild); {}",
                              env.launcher, env.world_size, alternatives);
  if (!env.refusal.empty()) env.use_mpi = false;
  return env;
}

LaunchEnvironment detect_launch() {
  return detect_launch([](const char* name) { return std::getenv(name); });
}

int mpirun_world_size() {
  LaunchEnvironment env = detect_launch();
  if (!env.refusal.empty()) fail_input("capsim sweep", env.refusal);
  if (!env.use_mpi) return 0;
  return env.world_size > 0 ? env.world_size : 2; // PMIx: the size is known once MPI is up
}

std::size_t master_slots(std::size_t jobs) {
  std::size_t cpus = default_jobs();
  return cpus > 1 ? std::min(jobs, cpus - 1) : 0;
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
  LaunchEnvironment env = detect_launch();
  MPI_Init(nullptr, nullptr);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  // An MPI that did not join the launcher's world comes up as a singleton in each process:
  // every one of them would run the whole sweep.
  bool size_differs = env.world_size > 0 && size_ != env.world_size;
  if (size_differs || size_ == 1) {
    MPI_Finalize();
    fail_input("capsim sweep",
               fmt::format("started by {} as rank {} of {}, but MPI_Init gave a world of {} "
                           "process{} (rank {}): the launcher and this capsim's MPI (Open MPI) "
                           "do not form one MPI world, and every process would run the whole "
                           "sweep; {}",
                           env.launcher, env.rank,
                           env.world_size ? std::to_string(env.world_size) : "?", size_,
                           size_ == 1 ? "" : "es", rank_, alternatives));
  }
}

MpiSession::~MpiSession() {
  MPI_Finalize();
}

void MpiSession::abort(int code) {
  MPI_Abort(MPI_COMM_WORLD, code);
  std::abort();
}

void mpi_master(const std::vector<std::size_t>& tasks, const std::function<void(ResultRow)>& on_row,
                const std::function<void()>& idle, RunLauncher* local, std::size_t local_slots) {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int active = size - 1;
  std::size_t next = 0;
  if (!local) local_slots = 0;
  auto last_idle = std::chrono::steady_clock::now();
  while (active > 0 || (local && local->running() > 0)) {
    // Rank 0's own share: a free slot takes the next task, as a worker's request would.
    while (local && local->running() < local_slots && next < tasks.size())
      local->start(tasks[next++]);
    int flag = 0;
    MPI_Status status;
    if (active > 0) MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
    auto now = std::chrono::steady_clock::now();
    if (now - last_idle > std::chrono::milliseconds(100)) {
      idle();
      last_idle = now;
    }
    if (local && local->running() > 0) {
      for (auto& row : local->wait(flag ? 0 : 0.001))
        on_row(std::move(row));
    } else if (!flag) {
      pause_briefly(); // OpenMPI's blocking receive would spin a core
    }
    if (!flag) continue;
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
                const std::function<void()>&, RunLauncher*, std::size_t) {
  throw std::runtime_error("built without MPI");
}

void mpi_worker(RunLauncher&, std::size_t) {
  throw std::runtime_error("built without MPI");
}

#endif

} // namespace capsim
