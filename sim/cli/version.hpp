// What `capsim --version` prints: capsim's version and git commit, the SimGrid it was built
// against and runs with, whether MPI is built in, and where the catalogues are read from.
#pragma once

#include <string>

namespace capsim::cli {

std::string version_text();

} // namespace capsim::cli
