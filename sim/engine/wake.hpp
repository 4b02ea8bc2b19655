// An actor's wake-up: the process (sim/engine/scheduler.hpp) sleeps until a time, or until a rule
// notifies it (World::notify, applied when the rule's effects are flushed). `asleep` is true only
// while the process sleeps wakeable: a notification while it runs is dropped, since it looks at
// the state again before it sleeps.
#pragma once

namespace capsim {

class Scheduler;

struct Wake {
  Scheduler* scheduler = nullptr; // set when its process is registered
  int process = -1;
  bool asleep = false;
  long long slept_at = 0; // when it last went to sleep, in the order of all processes' sleeps
};

} // namespace capsim
