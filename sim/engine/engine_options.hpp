// SimGrid options given with `capsim run --engine ...`, checked before the run starts.
//
// SimGrid reports a bad option by aborting the process (an unknown key, a value of the wrong
// type, a context factory or model that does not exist), or ignores it (an argument that is not
// --cfg= or --log=). So each option list is tried on a throw-away engine in a child process
// first; what SimGrid said becomes an input error (exit code 2) before any output is written.
#pragma once

#include <string>
#include <vector>

namespace capsim {

// Throws InputError naming the option and SimGrid's reason when SimGrid would not accept
// `args` (each "--cfg=KEY:VALUE" or "--log=...").
void check_engine_args(const std::vector<std::string>& args);

} // namespace capsim
