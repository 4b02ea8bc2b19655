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

TEST_CASE("step --offload-layers: the config key equals the flag, refusals are located, exit 2") {
  TempDir dir;
  // Llama 3 70B on 64 GB200 as NeMo's FP8 recipe runs it, 40 of 80 layers offloaded.
  const std::string llama70 = "layers: 80\nhidden: 8192\nffn: 28672\nheads: 64\nkv_heads: 8\n"
                              "vocab: 128256\nseq: 8192\nglobal_batch: 256\ngated_ffn: true\n"
                              "precision: fp8\n";
  const std::string config =
      dir.write("offload.yaml", "gpu: GB200\ngpus: 64\n" + llama70 +
                                    "parallel: {tp: 1, pp: 1, cp: 1, ep: 1, interleave: 1, "
                                    "microbatch: 2, zero: 3, recompute: none, "
                                    "offload_layers: 40}\n");
  const auto from_file = step_json(run_capsim({"step", "--config", config, "--json"}));
  CHECK(from_file["config"]["offload_layers"] == 40);
  CHECK(from_file["memory"]["host_bytes"].get<double>() > 0);
  CHECK(from_file["breakdown"]["offload_total_s"].get<double>() >=
        from_file["breakdown"]["offload_exposed_s"].get<double>());
  // The flag overrides the key: no offload keeps the activations in HBM.
  const auto none =
      step_json(run_capsim({"step", "--config", config, "--offload-layers", "0", "--json"}));
  CHECK(none["memory"]["host_bytes"].get<double>() == 0);
  CHECK(none["memory"]["activations_bytes"].get<double>() >
        from_file["memory"]["activations_bytes"].get<double>());
  // Megatron-Core's constraints, and a GPU whose system gives no host link, are input errors.
  const ProcessResult piped = run_capsim({"step", "--config", config, "--pp", "2"});
  CHECK(piped.exit_code == 2);
  CHECK(piped.output.find("activation offload needs pp 1") != std::string::npos);
  const ProcessResult no_link = run_capsim({"step", "--config", config, "--gpu", "B200"});
  CHECK(no_link.exit_code == 2);
  CHECK(no_link.output.find("host_link_bandwidth_per_gpu); B200 has none") != std::string::npos);
  // In a scenario, at the job's parallel block.
  const std::string scenario = dir.write(
      "offload-scenario.yaml",
      "scenario: offload\nhorizon: 1 d\nsites:\n  - {name: s, pue: 1.2, grid: {capacity: 100 MW}}\n"
      "clusters:\n  - {name: c, site: s, gpu: B200, system: DGX-B200,\n"
      "     deliveries: [{at: 0 d, gpus: 64}]}\n"
      "jobs:\n  - name: j\n    cluster: c\n    gpus: 64\n    model: {" +
          std::string("layers: 80, hidden: 8192, ffn: 28672, heads: 64, kv_heads: 8, "
                      "vocab: 128256, seq: 8192, global_batch: 256, gated_ffn: true, "
                      "tokens: 1e9}\n") +
          "    parallel: {tp: 1, offload_layers: 40}\n");
  const ProcessResult located = run_capsim({"validate", scenario});
  CHECK(located.exit_code == 2);
  CHECK(located.output.find(scenario + ":13:15: error: job 'j' parallel: activation offload "
                                       "needs the GPU's host link bandwidth") != std::string::npos);
}

TEST_CASE("step --fp8-param-gather: the config key equals the flag, saves gather time only, "
          "refusals are located, exit 2") {
  TempDir dir;
  // Llama 3 70B on 64 GB200 with Megatron FSDP, as NeMo's FP8 recipes from 25.09 run it.
  const std::string llama70 = "layers: 80\nhidden: 8192\nffn: 28672\nheads: 64\nkv_heads: 8\n"
                              "vocab: 128256\nseq: 8192\nglobal_batch: 128\ngated_ffn: true\n";
  const std::string layout = "tp: 1, pp: 1, cp: 1, ep: 1, interleave: 1, microbatch: 2, "
                             "recompute: none, offload_layers: 40";
  const std::string config =
      dir.write("gather.yaml", "gpu: GB200\ngpus: 64\n" + llama70 + "precision: fp8\n" +
                                   "parallel: {" + layout + ", zero: 3, fp8_param_gather: true}\n");
  const auto fp8 = step_json(run_capsim({"step", "--config", config, "--json"}));
  CHECK(fp8["config"]["fp8_param_gather"] == true);
  const auto bf16 =
      step_json(run_capsim({"step", "--config", config, "--fp8-param-gather=false", "--json"}));
  CHECK(bf16["config"]["fp8_param_gather"] == false);
  // Half the bytes of the layers' weight all-gathers, nothing else: the step is faster, by less
  // than the whole data-parallel communication, and compute and memory are the same.
  const double fp8_step = fp8["step_time_s"].get<double>();
  const double bf16_step = bf16["step_time_s"].get<double>();
  CHECK(fp8_step < bf16_step);
  CHECK(bf16_step - fp8_step < bf16["breakdown"]["dp_comm_total_s"].get<double>());
  CHECK(fp8["memory"]["total_bytes"].get<double>() == bf16["memory"]["total_bytes"].get<double>());
  // Without fp8 GEMMs, or without a distributed optimizer to gather the weights: input errors.
  const std::string bf16_file =
      dir.write("gather-bf16.yaml", "gpu: GB200\ngpus: 64\n" + llama70 + "parallel: {" + layout +
                                        ", zero: 3, fp8_param_gather: true}\n");
  const ProcessResult no_fp8 = run_capsim({"step", "--config", bf16_file});
  CHECK(no_fp8.exit_code == 2);
  CHECK(no_fp8.output.find("fp8-param-gather needs precision fp8") != std::string::npos);
  const ProcessResult zero0 = run_capsim({"step", "--config", config, "--zero", "0"});
  CHECK(zero0.exit_code == 2);
  CHECK(zero0.output.find("fp8 parameter gather needs fp8 precision and zero stage >= 1") !=
        std::string::npos);
  // In a scenario, at the job's parallel block.
  const std::string scenario = dir.write(
      "gather-scenario.yaml",
      "scenario: gather\nhorizon: 1 d\nsites:\n  - {name: s, pue: 1.2, grid: {capacity: 100 MW}}\n"
      "clusters:\n  - {name: c, site: s, gpu: GB200, system: GB200-NVL72,\n"
      "     deliveries: [{at: 0 d, gpus: 72}]}\n"
      "jobs:\n  - name: j\n    cluster: c\n    gpus: 64\n    model: {" +
          std::string("layers: 80, hidden: 8192, ffn: 28672, heads: 64, kv_heads: 8, "
                      "vocab: 128256, seq: 8192, global_batch: 128, gated_ffn: true, "
                      "tokens: 1e9}\n") +
          "    parallel: {tp: 1, fp8_param_gather: true}\n");
  const ProcessResult located = run_capsim({"validate", scenario});
  CHECK(located.exit_code == 2);
  CHECK(located.output.find(scenario + ":13:15: error: job 'j' parallel: fp8_param_gather needs "
                                       "the model's precision: fp8") != std::string::npos);
}

TEST_CASE("step --bf16-optimizer and --cp-comm: config keys equal the flags, a scenario job "
          "carries them to its summary, a bad value is located, exit 2") {
  TempDir dir;
  // The Llama 3 long-context layout on H100 (tp 8, pp 16, cp 16), its degrees fixed.
  const std::string model = "layers: 126\nhidden: 16384\nffn: 53248\nheads: 128\nkv_heads: 8\n"
                            "vocab: 128256\nseq: 131072\nglobal_batch: 128\ngated_ffn: true\n";
  const std::string layout = "tp: 8, pp: 16, cp: 16, ep: 1, interleave: 7, microbatch: 1, "
                             "zero: 2, recompute: none, sequence_parallel: true";
  const std::string config =
      dir.write("cp.yaml", "gpu: H100\ngpus: 16384\n" + model + "parallel: {" + layout +
                               ", cp_comm: all_gather, bf16_optimizer: true}\n");
  const auto from_keys = step_json(run_capsim({"step", "--config", config, "--json"}));
  CHECK(from_keys["config"]["cp_comm"] == "all_gather");
  CHECK(from_keys["config"]["bf16_optimizer"] == true);
  const auto from_flags = step_json(run_capsim(
      {"step", "--config", config, "--cp-comm", "ring", "--bf16-optimizer=false", "--json"}));
  CHECK(from_flags["config"]["cp_comm"] == "ring");
  CHECK(from_flags["config"]["bf16_optimizer"] == false);
  // The all-gather's exchange is all exposed; the ring's hides behind attention here. Same bytes.
  CHECK(from_keys["breakdown"]["cp_comm_exposed_s"].get<double>() ==
        doctest::Approx(from_keys["breakdown"]["cp_comm_total_s"].get<double>()).epsilon(1e-12));
  CHECK(from_flags["breakdown"]["cp_comm_exposed_s"].get<double>() == 0);
  CHECK(from_keys["breakdown"]["cp_comm_total_s"].get<double>() ==
        doctest::Approx(from_flags["breakdown"]["cp_comm_total_s"].get<double>()).epsilon(1e-12));
  // bf16 states: half the optimizer's bytes.
  CHECK(from_keys["memory"]["optimizer_bytes"].get<double>() ==
        doctest::Approx(from_flags["memory"]["optimizer_bytes"].get<double>() / 2).epsilon(1e-12));
  // A scenario job with both keys: its summary lists them under parallel.
  const std::string head =
      "scenario: cp\nhorizon: 1 d\nsites:\n  - {name: s, pue: 1.2, grid: {capacity: 500 MW}}\n"
      "clusters:\n  - {name: c, site: s, gpu: H100, system: DGX-H100,\n"
      "     deliveries: [{at: 0 d, gpus: 16384}]}\n"
      "jobs:\n  - name: j\n    cluster: c\n    gpus: 16384\n    model: {layers: 126, hidden: "
      "16384, ffn: 53248, heads: 128, kv_heads: 8, vocab: 128256, seq: 131072, global_batch: "
      "128, gated_ffn: true, tokens: 1e15}\n";
  const std::string scenario =
      dir.write("cp-scenario.yaml", head + "    parallel: {tp: 8, pp: 16, cp: 16, cp_comm: "
                                           "all_gather, bf16_optimizer: true}\n");
  const ProcessResult run = run_capsim({"run", "-q", scenario, "-o", dir.path("out")});
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  const auto summary = read_json(dir.path("out/summary.json"));
  const auto& parallel = summary["jobs"][0]["parallel"];
  CHECK(parallel["cp_comm"] == "all_gather");
  CHECK(parallel["bf16_optimizer"] == true);
  // A value that is not a method: located at its line, exit 2.
  const std::string bad = dir.write(
      "cp-bad.yaml", head + "    parallel: {tp: 8, pp: 16, cp: 16, cp_comm: allgather}\n");
  const ProcessResult located = run_capsim({"validate", bad});
  CHECK(located.exit_code == 2);
  CHECK(located.output.find(bad + ":13:") != std::string::npos);
  CHECK(located.output.find("must be one of ring, all_gather; got 'allgather'") !=
        std::string::npos);
}
