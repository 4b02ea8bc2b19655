// capsim's event queue: every actor of a run (actors.hpp) is a process here, and one SimGrid
// actor, the dispatcher, runs them in time order.
//
// A process runs until it would sleep and says until when (a Sleep); a rule may wake it earlier
// through its Wake (World::notify). At a shared time, processes of a lower rank run first (the
// usage snapshots and the reporter's rows come after every event of their time), and within a
// rank in the order they were scheduled: a process woken by a rule runs after those already due.
//
// SimGrid keeps what it models: the clock of the flows (checkpoint transfers, downlinks, the
// inter-satellite collectives), each run by an actor of its own. While no flow runs, nothing in
// SimGrid can happen, and the dispatcher moves its own clock from one event to the next without
// calling SimGrid; it brings SimGrid's clock to its own before a flow starts, and while flows
// run it sleeps in SimGrid until its next event or until a flow ends. So a run calls SimGrid's
// scheduler a few times per flow, not for every event.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <simgrid/s4u/Semaphore.hpp>

#include "sim/engine/wake.hpp"

namespace simgrid::s4u {
class Host;
}

namespace capsim {

struct Sleep {
  double until_s; // never (infinity): until woken, or for good when not wakeable
  bool wakeable;  // a rule may wake it earlier (World::notify on its Wake)
};

class Scheduler {
public:
  // Runs the process from where it last slept, at now_s, until it sleeps again.
  using Resume = std::function<Sleep(double now_s)>;

  Scheduler();

  // A process, first run at time 0 in the order added (within its rank). `wake`, if any, lets
  // rules wake it while it sleeps wakeable.
  void add(Resume resume, Wake* wake = nullptr, int rank = 0);

  // The dispatcher's body: runs the processes until `stopping()` or nothing is left to happen.
  void run(const std::function<bool()>& stopping);

  // A rule woke the sleeping process of `wake` (World::flush): it runs again now, after the
  // processes already due now.
  void wake(Wake& wake);

  // From a running process: runs `body` in a SimGrid actor of its own, from now (SimGrid's clock
  // is brought to now first). When it returns, the process that started it runs again (unless
  // the run is stopping). `body` must not throw.
  void start_flow(const std::string& name, simgrid::s4u::Host* host, std::function<void()> body,
                  const std::function<bool()>& stopping);

  // The current time: the dispatcher's, or SimGrid's while a flow runs past it.
  double now() const;

  // Calls into SimGrid's scheduler so far: the dispatcher's sleeps and waits, flows started and
  // their ends signalled.
  long long simgrid_calls() const { return simgrid_calls_; }

private:
  struct Process {
    Resume resume;
    Wake* wake;
    int rank;
    // Its place in the queue: when it runs next, then its rank, then the order it was scheduled
    // in. A process is in the queue at most once (so the queue never outgrows the processes).
    double at_s = 0;
    long long seq = 0;
    int slot = -1; // index in heap_, -1 when not queued
  };

  void schedule(int process, double at_s); // queues it, or moves it if queued
  void reschedule_now(int process);        // runs it again now, after those already due now
  void run_process(int process);
  bool before(int a, int b) const;
  void sift_up(std::size_t i);
  void sift_down(std::size_t i);
  int pop();

  std::vector<Process> processes_;
  std::vector<int> heap_; // a binary heap of process indices, earliest first
  long long seq_ = 0;
  long long sleeps_ = 0;
  double now_ = 0;
  int current_ = -1; // the process running now
  int flows_ = 0;    // flows running
  simgrid::s4u::SemaphorePtr flow_ended_;
  long long simgrid_calls_ = 0;
};

} // namespace capsim
