// How a sweep recognises its launcher (sim/batch/mpi.hpp), its default -j, progress lines off a
// terminal, and forked runs against exec'd runs.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "capsim_process.hpp"
#include "sim/batch/launcher.hpp"
#include "sim/batch/mpi.hpp"
#include "sim/report/progress.hpp"

using namespace capsim;
using namespace capsim::test;

namespace {

LaunchEnvironment launched(const std::map<std::string, std::string>& vars) {
  return detect_launch([&](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

TEST_CASE("launch: one process runs alone, whatever batch system it is in") {
  for (const auto& vars : std::vector<std::map<std::string, std::string>>{
           {},
           // a SLURM batch script: one process, even with --ntasks 4
           {{"SLURM_JOB_ID", "7"}, {"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "4"}},
           // srun -n 1
           {{"SLURM_JOB_ID", "7"},
            {"SLURM_STEP_ID", "0"},
            {"SLURM_PROCID", "0"},
            {"SLURM_STEP_NUM_TASKS", "1"}},
           // mpirun -n 1
           {{"OMPI_COMM_WORLD_SIZE", "1"}, {"OMPI_COMM_WORLD_RANK", "0"}},
           // MPICH's mpiexec -n 1
           {{"PMI_RANK", "0"}, {"PMI_SIZE", "1"}}}) {
    auto env = launched(vars);
    CHECK(env.refusal.empty());
    CHECK_FALSE(env.use_mpi);
  }
}

TEST_CASE("launch: Open MPI's mpirun -n 4 and srun --mpi=pmix -n 4 form one MPI sweep") {
  auto ompi = launched({{"OMPI_COMM_WORLD_SIZE", "4"},
                        {"OMPI_COMM_WORLD_RANK", "3"},
                        {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"}});
  CHECK(ompi.use_mpi == mpi_compiled());
  CHECK(ompi.refusal.empty() == mpi_compiled());
  CHECK(ompi.world_size == 4);
  CHECK(ompi.rank == 3);
  CHECK(ompi.local_ranks == 2);
  auto pmix = launched({{"SLURM_JOB_ID", "7"},
                        {"SLURM_STEP_ID", "0"},
                        {"SLURM_PROCID", "1"},
                        {"SLURM_STEP_NUM_TASKS", "4"},
                        {"PMIX_RANK", "1"},
                        {"PMIX_NAMESPACE", "slurm.pmix.7.0"},
                        {"PMIX_SERVER_URI41", "pmix-server.1;tcp4://127.0.0.1:1234"}});
  CHECK(pmix.use_mpi == mpi_compiled());
  CHECK(pmix.world_size == 4);
  CHECK(pmix.rank == 1);
}

TEST_CASE("launch: several processes that cannot form one MPI world are refused, with the reason") {
  // srun -n 2 without an MPI plugin
  auto srun = launched({{"SLURM_JOB_ID", "7"},
                        {"SLURM_STEP_ID", "0"},
                        {"SLURM_PROCID", "1"},
                        {"SLURM_NTASKS", "2"}});
  CHECK_FALSE(srun.use_mpi);
  CHECK(srun.refusal.find("srun as task 1 of 2") != std::string::npos);
  CHECK(srun.refusal.find("--shard") != std::string::npos);
  // PMIX_RANK without a PMIx server
  auto pmix = launched({{"PMIX_RANK", "0"}, {"PMIX_NAMESPACE", "x"}});
  CHECK_FALSE(pmix.use_mpi);
  CHECK(pmix.refusal.find("no PMIx server") != std::string::npos);
  // MPICH / Intel MPI mpiexec (Hydra)
  auto hydra = launched({{"PMI_RANK", "1"}, {"PMI_SIZE", "3"}, {"MPI_LOCALNRANKS", "3"}});
  CHECK_FALSE(hydra.use_mpi);
  CHECK(hydra.refusal.find("rank 1 of 3") != std::string::npos);
  // a rank above 0 with no size is still one of several
  auto ranked = launched({{"SLURM_JOB_ID", "7"}, {"SLURM_PROCID", "2"}});
  CHECK_FALSE(ranked.refusal.empty());
}

TEST_CASE("launch: the default -j never exceeds the CPUs the process may use") {
  std::size_t cpus = usable_cpus();
  CHECK(cpus >= 1);
  CHECK(default_jobs() >= 1);
  CHECK(default_jobs() <= cpus);
}

TEST_CASE("progress: a plain line off a terminal gives simulated time, rate and ETA") {
  ProgressBar bar("simulated days", 60, false);
  CHECK(bar.plain_line(15, 5.0) == "simulated days: 15/60 (25%), 3/s, elapsed 0:05, ETA 0:15");
  CHECK(bar.plain_line(0, 0) == "simulated days: 0/60 (0%), 0/s, elapsed 0:00, ETA --:--");
}

TEST_CASE("progress: --progress-every prints lines into a log, --quiet prints none") {
  TempDir dir;
  std::string scenario = source_path("scenarios/quickstart.yaml");
  auto shown = run_capsim({"run", scenario, "-o", dir.path("a"), "--progress-every", "0.001"});
  REQUIRE_MESSAGE(shown.exit_code == 0, shown.output);
  CHECK(shown.output.find("simulated days: ") != std::string::npos);
  CHECK(shown.output.find("/60 (") != std::string::npos);
  CHECK(shown.output.find("ETA ") != std::string::npos);
  auto quiet =
      run_capsim({"run", scenario, "-o", dir.path("b"), "-q", "--progress-every", "0.001"});
  REQUIRE_MESSAGE(quiet.exit_code == 0, quiet.output);
  CHECK(without_sanitizer_lines(quiet.output).empty());
  auto off = run_capsim({"run", scenario, "-o", dir.path("c"), "--progress-every", "0"});
  CHECK(off.output.find("simulated days: ") == std::string::npos);
}

TEST_CASE("sweep: runs forked from the sweep give the same files as runs started with exec") {
  TempDir dir;
  std::string fixture = source_path("tests/fixtures/sweep/small.yaml");
  auto forked = run_capsim({"sweep", fixture, "-o", dir.path("fork"), "-j", "2", "-q"});
  REQUIRE_MESSAGE(forked.exit_code == 0, forked.output);
  ::setenv("CAPSIM_SWEEP_SPAWN", "exec", 1);
  auto execd = run_capsim({"sweep", fixture, "-o", dir.path("exec"), "-j", "2", "-q"});
  ::unsetenv("CAPSIM_SWEEP_SPAWN");
  REQUIRE_MESSAGE(execd.exit_code == 0, execd.output);
  for (const char* f : {"results.csv", "summary.csv"}) {
    std::string a = slurp(dir.path("fork") + "/" + f), b = slurp(dir.path("exec") + "/" + f);
    CHECK(!a.empty());
    CHECK_MESSAGE(a == b, f);
  }
  CHECK(slurp(dir.path("fork/results.csv")).find(",failed,") == std::string::npos);
}
