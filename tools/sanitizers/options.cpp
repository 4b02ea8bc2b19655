// Built into every executable of a CAPSIM_SANITIZE build: the sanitizers' default options, so
// that the test suites, the capsim processes they start, sweep workers and MPI ranks all run
// with the same settings, whatever their environment (which can still add to them).
#ifndef CAPSIM_LSAN_SUPPRESSIONS
#error "CAPSIM_LSAN_SUPPRESSIONS must name tools/sanitizers/lsan.supp"
#endif

extern "C" {
// Any report ends the process with a failure. Stack-use-after-return detection is off: SimGrid
// switches actor stacks behind AddressSanitizer's back.
const char* __asan_default_options() {
  return "detect_leaks=1:detect_stack_use_after_return=0";
}
// Leaks are checked at exit, less what tools/sanitizers/lsan.supp lists (each with its reason).
const char* __lsan_default_options() {
  return "suppressions=" CAPSIM_LSAN_SUPPRESSIONS ":print_suppressions=0";
}
const char* __ubsan_default_options() {
  return "print_stacktrace=1:halt_on_error=1";
}
}
