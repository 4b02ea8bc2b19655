# Included by CTest after doctest's discovery (TEST_INCLUDE_FILES): labels by test-case name on
# top of each executable's own (models, sim). ctest -L LABEL runs them, -LE LABEL leaves them out.
foreach(test IN LISTS capsim_sim_tests_TESTS)
  set(labels sim)
  if(test MATCHES "mpirun|MPI")
    list(APPEND labels mpi)
  endif()
  # The web front end's test cases name it ("browser: ...", "serve: ...").
  if(test MATCHES "^(browser|serve)[: ]|[Bb]rowser")
    list(APPEND labels browser)
  endif()
  # Test cases of more than ~2 s on a 2-core machine (ctest --test-dir build -LE slow skips them).
  if(test MATCHES "over many seeds|llama3-16k|every scenario validates|SIGKILL|crash consistency|context factories|memory|profile|elastic")
    list(APPEND labels slow)
  endif()
  # Replays of a whole bundled scenario against its golden outputs (down to bench-10m): the
  # Release build checks them; a sanitized build leaves them out (-LE scenario, .ci/run).
  if(test MATCHES "^golden: " AND NOT test MATCHES "^golden: every bundled scenario")
    list(APPEND labels scenario)
  endif()
  set_tests_properties("${test}" PROPERTIES LABELS "${labels}")
endforeach()
