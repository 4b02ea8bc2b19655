// An actor's wake-up: the actor sleeps on it until a time, or until a rule notifies it (through
// World::notify, applied when the rule's effects are flushed).
//
// A semaphore rather than a condition variable: waiting is one SimGrid call, where a condition
// variable's waiter must re-acquire its mutex after every wake-up (a second call, and a second
// trip through the scheduler); and SimGrid's actors are cooperative, so there is nothing for a
// mutex to protect. `asleep` keeps the semaphore's count at zero or one: a notification while
// the actor is awake is dropped, as a condition variable's would be, since the actor looks at
// the state again before it sleeps.
#pragma once

#include <simgrid/s4u/Semaphore.hpp>

namespace capsim {

struct Wake {
  simgrid::s4u::SemaphorePtr signal; // created with the World (needs the SimGrid engine)
  bool asleep = false;
  long long slept_at = 0; // when it last went to sleep, in the order of all actors' sleeps

  void create() { signal = simgrid::s4u::Semaphore::create(0); }
};

} // namespace capsim
