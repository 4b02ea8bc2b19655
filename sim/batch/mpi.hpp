// The MPI path of `capsim sweep` (OpenMPI): rank 0 owns results.csv and hands out tasks one at
// a time to whichever rank asks (dynamic load balancing); every other rank runs up to -j tasks
// at once as child processes (sim/batch/launcher.hpp) and sends each row back to rank 0.
// Messages (tags): READY worker->0 (one free slot), TASK 0->worker (a task number), STOP 0->worker
// (no more tasks; answers one READY), RESULT worker->0 (a row as JSON text), DONE worker->0.
//
// MPI is optional at build time (CAPSIM_HAVE_MPI) and initialised only when the process was
// started by mpirun (OMPI_COMM_WORLD_SIZE is set), so plain runs never touch it.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "sim/batch/launcher.hpp"
#include "sim/batch/results.hpp"

namespace capsim {

// The world size mpirun announced, or 0 when this process was not started by mpirun.
int mpirun_world_size();
bool mpi_compiled();

class MpiSession {
public:
  MpiSession(); // MPI_Init; throws std::runtime_error when built without MPI
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

// Rank 0. `idle` is called about every 100 ms (progress bar).
void mpi_master(const std::vector<std::size_t>& tasks, const std::function<void(ResultRow)>& on_row,
                const std::function<void()>& idle);
// Ranks 1..size-1.
void mpi_worker(RunLauncher& launcher, std::size_t jobs);

} // namespace capsim
