#include "sim/engine/scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>

namespace sg4 = simgrid::s4u;

namespace capsim {

namespace {

double simgrid_clock() {
  return sg4::Engine::get_clock();
}

} // namespace

Scheduler::Scheduler() : flow_ended_(sg4::Semaphore::create(0)) {}

void Scheduler::add(Resume resume, Wake* wake, int rank) {
  const int id = static_cast<int>(processes_.size());
  processes_.push_back(Process{std::move(resume), wake, rank});
  heap_.reserve(processes_.size());
  if (wake) {
    wake->scheduler = this;
    wake->process = id;
  }
  schedule(id, 0);
}

double Scheduler::now() const {
  return flows_ > 0 ? std::max(now_, simgrid_clock()) : now_;
}

bool Scheduler::before(int a, int b) const {
  const Process& p = processes_[a];
  const Process& q = processes_[b];
  if (p.at_s != q.at_s) return p.at_s < q.at_s;
  if (p.rank != q.rank) return p.rank < q.rank;
  return p.seq < q.seq;
}

void Scheduler::sift_up(std::size_t i) {
  const int moving = heap_[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!before(moving, heap_[parent])) break;
    heap_[i] = heap_[parent];
    processes_[heap_[i]].slot = static_cast<int>(i);
    i = parent;
  }
  heap_[i] = moving;
  processes_[moving].slot = static_cast<int>(i);
}

void Scheduler::sift_down(std::size_t i) {
  const int moving = heap_[i];
  const std::size_t n = heap_.size();
  while (true) {
    std::size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
    if (!before(heap_[child], moving)) break;
    heap_[i] = heap_[child];
    processes_[heap_[i]].slot = static_cast<int>(i);
    i = child;
  }
  heap_[i] = moving;
  processes_[moving].slot = static_cast<int>(i);
}

int Scheduler::pop() {
  const int top = heap_.front();
  processes_[top].slot = -1;
  const int last = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) {
    heap_[0] = last;
    sift_down(0);
  }
  return top;
}

void Scheduler::schedule(int process, double at_s) {
  Process& p = processes_[process];
  p.at_s = at_s;
  p.seq = ++seq_;
  if (p.slot < 0) {
    heap_.push_back(process);
    sift_up(heap_.size() - 1);
  } else { // moved: later (a new seq) or earlier
    sift_up(static_cast<std::size_t>(p.slot));
    sift_down(static_cast<std::size_t>(p.slot));
  }
}

void Scheduler::reschedule_now(int process) {
  schedule(process, now());
}

void Scheduler::wake(Wake& wake) {
  reschedule_now(wake.process);
}

void Scheduler::run_process(int id) {
  Process& p = processes_[id];
  if (p.wake) p.wake->asleep = false; // woken by its time: a notification still due is dropped
  current_ = id;
  const Sleep sleep = p.resume(now_);
  current_ = -1;
  if (p.wake && sleep.wakeable) {
    p.wake->asleep = true;
    p.wake->slept_at = ++sleeps_;
  }
  if (!std::isinf(sleep.until_s)) schedule(id, std::max(sleep.until_s, now_));
}

void Scheduler::run(const std::function<bool()>& stopping) {
  while (!stopping()) {
    const double next_s =
        heap_.empty() ? std::numeric_limits<double>::infinity() : processes_[heap_.front()].at_s;
    if (next_s > now_) {
      if (flows_ > 0) {
        // SimGrid runs the flows up to the next event; a flow that ends first wakes us.
        ++simgrid_calls_;
        bool timed_out = false;
        if (std::isinf(next_s))
          flow_ended_->acquire();
        else
          timed_out = flow_ended_->acquire_timeout(std::max(0.0, next_s - simgrid_clock()));
        if (!timed_out) {
          now_ = std::max(now_, simgrid_clock());
          continue; // a flow ended: what it woke is due now
        }
      } else if (std::isinf(next_s)) {
        return; // nothing left to happen
      }
      now_ = next_s;
    }
    run_process(pop());
  }
}

void Scheduler::start_flow(const std::string& name, sg4::Host* host, std::function<void()> body,
                           const std::function<bool()>& stopping) {
  if (simgrid_clock() < now_) { // no flow ran since SimGrid's clock last moved: bring it here
    ++simgrid_calls_;
    sg4::this_actor::sleep_until(now_);
  }
  ++flows_;
  ++simgrid_calls_;
  const int owner = current_;
  sg4::Actor::create(name, host, [this, owner, body = std::move(body), stopping] {
    body();
    if (!stopping()) reschedule_now(owner); // at the flow's end: SimGrid's clock, as now() says
    --flows_;
    ++simgrid_calls_;
    flow_ended_->release();
  });
}

} // namespace capsim
