// The MPI path of `capsim sweep` (OpenMPI): rank 0 owns results.csv and hands out tasks one at
// a time to whichever rank asks (dynamic load balancing); every other rank runs up to -j tasks
// at once as child processes (sim/batch/launcher.hpp) and sends each row back to rank 0.
// Messages (tags): READY worker->0 (one free slot), TASK 0->worker (a task number), STOP 0->worker
// (no more tasks; answers one READY), RESULT worker->0 (a row as JSON text), DONE worker->0.
//
// Rank 0 also runs tasks itself when it has a CPU to spare (master_slots).
//
// MPI is optional at build time (CAPSIM_HAVE_MPI) and initialised only when a launcher started
// several processes together and this MPI can join them (detect_launch), so plain runs never
// touch it. Any other multi-process launch is refused: never N copies of one sweep.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "sim/batch/launcher.hpp"
#include "sim/batch/results.hpp"

namespace capsim {

// How this process was started, from the variables launchers set: Open MPI's mpirun
// (OMPI_COMM_WORLD_SIZE/RANK), a PMIx launcher (PMIX_RANK, PMIX_SERVER_URI*, e.g.
// srun --mpi=pmix), a PMI launcher of the MPICH family (PMI_SIZE/PMI_RANK, MPI_LOCALNRANKS:
// mpiexec.hydra, Intel MPI, srun --mpi=pmi2), or srun alone (SLURM_PROCID, SLURM_STEP_ID,
// SLURM_STEP_NUM_TASKS or SLURM_NTASKS).
struct LaunchEnvironment {
  std::string launcher; // "" when started alone
  int world_size = 1;   // processes started together; 0 when unknown (rank given, size not)
  int rank = 0;
  int local_ranks = 1;  // on this node, when the launcher says (for the default -j)
  bool use_mpi = false; // several processes that this build's MPI (Open MPI) can join
  std::string refusal;  // non-empty: a sweep must not run here (several copies), and why
};
using GetEnv = std::function<const char*(const char*)>;
LaunchEnvironment detect_launch(const GetEnv& getenv_fn);
LaunchEnvironment detect_launch(); // from this process's environment

// The MPI world a sweep joins: its expected size when this process should start MPI, 0 when it
// runs alone. Throws InputError (exit 2) with the reason when a launcher started several
// processes that cannot form one MPI sweep.
int mpirun_world_size();
bool mpi_compiled();

class MpiSession {
public:
  // MPI_Init; throws std::runtime_error when built without MPI, and InputError when MPI's world
  // is not the one the launcher announced (e.g. N singletons: N copies of the sweep).
  MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  ~MpiSession(); // MPI_Finalize
  int rank() const { return rank_; }
  int size() const { return size_; }
  [[noreturn]] void abort(int code);

private:
  int rank_ = 0;
  int size_ = 1;
};

// How many runs rank 0 runs itself besides coordinating: min(jobs, its CPUs - 1).
std::size_t master_slots(std::size_t jobs);

// Rank 0. `idle` is called about every 100 ms (progress bar). With a local launcher and
// local_slots > 0, rank 0 also runs up to local_slots tasks at once.
void mpi_master(const std::vector<std::size_t>& tasks, const std::function<void(ResultRow)>& on_row,
                const std::function<void()>& idle, RunLauncher* local = nullptr,
                std::size_t local_slots = 0);
// Ranks 1..size-1.
void mpi_worker(RunLauncher& launcher, std::size_t jobs);

} // namespace capsim
