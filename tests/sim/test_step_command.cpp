// capsim step --config reads the keys of a scenario job's model and parallel blocks with the
// scenario's own reader: a model block pastes into a config file and gives the same step.
#include <doctest/doctest.h>

#include "capsim_process.hpp"

using namespace capsim::test;

namespace {

// The model block of scenarios/llama3-16k.yaml's job, its parallel block, and the GPUs.
const char* kLlamaModel = "layers: 126\nhidden: 16384\nffn: 53248\nheads: 128\nkv_heads: 8\n"
                          "vocab: 128256\nseq: 8192\nglobal_batch: 2048\ngated_ffn: true\n"
                          "tokens: 2e13\n";

nlohmann::json step_json(const ProcessResult& r) {
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  return nlohmann::json::parse(r.output.substr(r.output.find("{\n")));
}

} // namespace

TEST_CASE("step --config with a scenario's model and parallel blocks equals the flags") {
  TempDir dir;
  const std::string config =
      dir.write("llama.yaml", std::string("gpu: H100\ngpus: 16384\n") + kLlamaModel +
                                  "parallel: {tp: 8, pp: 16, cp: 1, ep: 1, interleave: 7, "
                                  "microbatch: 1, zero: 1, recompute: none, "
                                  "sequence_parallel: true}\n");
  const auto from_file = step_json(run_capsim({"step", "--config", config, "--json"}));
  const auto from_flags = step_json(run_capsim({"step",
                                                "--gpu",
                                                "H100",
                                                "--gpus",
                                                "16384",
                                                "--layers",
                                                "126",
                                                "--hidden",
                                                "16384",
                                                "--ffn",
                                                "53248",
                                                "--heads",
                                                "128",
                                                "--kv-heads",
                                                "8",
                                                "--vocab",
                                                "128256",
                                                "--seq",
                                                "8192",
                                                "--global-batch",
                                                "2048",
                                                "--gated-ffn",
                                                "--tp",
                                                "8",
                                                "--pp",
                                                "16",
                                                "--cp",
                                                "1",
                                                "--ep",
                                                "1",
                                                "--interleave",
                                                "7",
                                                "--microbatch",
                                                "1",
                                                "--zero",
                                                "1",
                                                "--recompute",
                                                "none",
                                                "--sequence-parallel",
                                                "--json"}));
  CHECK(from_file["step_time_s"].get<double>() == from_flags["step_time_s"].get<double>());
  CHECK(from_file["model"]["kv_heads"] == 8);
  CHECK(from_file["config"]["interleave"] == 7);
  // A flag overrides the file's key, in the parallel block too.
  const auto overridden =
      step_json(run_capsim({"step", "--config", config, "--interleave", "1", "--json"}));
  CHECK(overridden["config"]["interleave"] == 1);
  CHECK(overridden["step_time_s"].get<double>() > from_file["step_time_s"].get<double>());
}

TEST_CASE("step --config: old dashed keys and top-level degrees still work, with a warning") {
  TempDir dir;
  const std::string now = dir.write(
      "now.yaml", "gpu: A100\ngpus: 64\nlayers: 96\nhidden: 12288\nheads: 96\nkv_heads: 96\n"
                  "vocab: 51200\nseq: 2048\nglobal_batch: 64\nparallel: {tp: 8, pp: 8}\n");
  const std::string old = dir.write(
      "old.yaml", "gpu: A100\ngpus: 64\nlayers: 96\nhidden: 12288\nheads: 96\nkv-heads: 96\n"
                  "vocab: 51200\nseq: 2048\nglobal-batch: 64\ntp: 8\npp: 8\n");
  const auto a = step_json(run_capsim({"step", "--config", now, "--json"}));
  const ProcessResult r = run_capsim({"step", "--config", old, "--json"});
  const auto b = step_json(r);
  CHECK(a["step_time_s"].get<double>() == b["step_time_s"].get<double>());
  CHECK(r.output.find(old + ":6:1: warning: 'kv-heads' is deprecated here; write 'kv_heads'") !=
        std::string::npos);
  CHECK(r.output.find(old + ":10:1: warning: 'tp' is deprecated here; write 'parallel: {tp: "
                            "...}'") != std::string::npos);
}

TEST_CASE("step --config: bad keys and values are located, exit 2") {
  TempDir dir;
  const std::string bad = dir.write(
      "bad.yaml", "gpu: A100\ngpus: 64\nlayers: 96\nhidden: 12288\nheads: 96\nvocab: 51200\n"
                  "seq: 2048\nglobal_batch: 64\nkv_head: 8\nparallel: {tp: eight}\n");
  const ProcessResult r = run_capsim({"step", "--config", bad});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find(bad + ":9:1: error: unknown key 'kv_head'") != std::string::npos);
  CHECK(r.output.find(bad + ":10:16: error:") != std::string::npos);
  // A flag's bad value is reported as the flag.
  const ProcessResult f = run_capsim({"step", "--config", bad, "--tp", "x"});
  CHECK(f.exit_code == 2);
  CHECK(f.output.find("--tp: error:") != std::string::npos);
}

TEST_CASE("step --software: a release's own fit, the generation's set with a note, bad tags") {
  TempDir dir;
  const std::string config = dir.write(
      "llama.yaml", std::string("gpu: H100\ngpus: 64\n") + kLlamaModel +
                        "parallel: {tp: 4, pp: 8, cp: 1, ep: 1, interleave: 5, microbatch: 1, "
                        "zero: 1, recompute: none, sequence_parallel: true}\nprecision: fp8\n");
  const auto latest = step_json(run_capsim({"step", "--config", config, "--json"}));
  CHECK(latest["efficiencies"]["generation"] == "hopper");
  CHECK(latest["efficiencies"]["software"] == "nemo-26.04.01");
  const auto r2511 =
      step_json(run_capsim({"step", "--config", config, "--json", "--software", "nemo-25.11"}));
  CHECK(r2511["efficiencies"]["software"] == "nemo-25.11");
  // Releases differ in their kernels and communication: the same layout, another step time.
  CHECK(r2511["step_time_s"].get<double>() != latest["step_time_s"].get<double>());
  // No fit of its own: the generation's set, and the output says so.
  const ProcessResult unfitted =
      run_capsim({"step", "--config", config, "--json", "--software", "nemo-26.06"});
  const auto j = step_json(unfitted);
  CHECK(j["efficiencies"]["software"] == "");
  CHECK(j["efficiencies"]["software_note"].get<std::string>().find("nemo-26.06") !=
        std::string::npos);
  CHECK(unfitted.output.find("capsim step: note: nemo-26.06 has no fit of its own") !=
        std::string::npos);
  // A malformed tag: located at the flag, or at the config key, exit 2.
  const ProcessResult bad = run_capsim({"step", "--config", config, "--software", "25.11"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("--software: error: software must be a NeMo container tag") !=
        std::string::npos);
  const std::string bad_file =
      dir.write("bad.yaml", "gpu: H100\ngpus: 64\nsoftware: latest\n" + std::string(kLlamaModel));
  const ProcessResult located = run_capsim({"step", "--config", bad_file});
  CHECK(located.exit_code == 2);
  CHECK(located.output.find(bad_file + ":3:11: error: software must be") != std::string::npos);
}
