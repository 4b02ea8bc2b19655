#include "models/training.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace capsim;

namespace {

// NVIDIA A100 SXM 80GB datasheet; DGX A100: 8 GPUs per NVLink domain, one 200 Gb/s HDR
// InfiniBand NIC per GPU (the calibration papers' machine).
StepHardware a100() {
  return StepHardware{.name = "A100 80GB",
                      .peak_flops = 312e12,
                      .hbm_bytes = 80e9,
                      .hbm_bytes_per_s = 2.039e12,
                      .nvlink_bytes_per_s = 600e9,
                      .nvlink_domain = 8,
                      .scale_out_bytes_per_s = 200e9 / 8};
}

// GPT models of both papers: vocabulary 51,200, sequence 2048, ffn 4h, multi-head attention.
TransformerSpec gpt(int layers, int hidden, int heads, int global_batch) {
  return TransformerSpec{.layers = layers,
                         .hidden = hidden,
                         .ffn = 4 * hidden,
                         .heads = heads,
                         .kv_heads = heads,
                         .vocab = 51200,
                         .seq_len = 2048,
                         .global_batch = global_batch};
}

std::vector<std::vector<std::string>> read_csv(const std::string& name) {
  std::ifstream in(std::string(CAPSIM_REFERENCE_DIR) + "/calibration/" + name);
  REQUIRE_MESSAGE(in.good(), "cannot open calibration table " << name);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> cells;
    std::stringstream fields(line);
    std::string cell;
    while (std::getline(fields, cell, ','))
      cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

struct CalibrationCase {
  std::string label;
  TransformerSpec model;
  ParallelConfig config;
  int gpus;
  bool compare_tflops; // Megatron: achieved TFLOP/s per GPU; Korthikanti: iteration time
  double measured;
};

// Korthikanti et al. 2022, Table 5: tp, pp, v, microbatch as listed; data parallel 1, no ZeRO.
// Megatron (Narayanan et al. 2021), Table 1: full recomputation, no sequence parallelism (it
// came later), no ZeRO. The table lists neither microbatch size nor interleaving degree.
// ASSUMPTION: microbatch 1 and the non-interleaved 1F1B schedule (v = 1). Evidence: the
// 530B row of Table 1 (p = 35, 280 microbatches per replica) reaches 163 TFLOP/s = 54.0 s per
// step, while Korthikanti's same configuration with v = 3 takes 49.05 s; the difference is the
// larger v = 1 bubble (34/280 vs 34/840 = 8%). With v = largest of {3, 2} dividing L/p instead,
// the same parameters give MAE 4.1% but up to 9% on the pipelined rows.
std::vector<CalibrationCase> calibration_cases() {
  std::vector<CalibrationCase> cases;
  for (const auto& r : read_csv("korthikanti_2022_table5.csv")) {
    const int hidden = std::stoi(r[1]), heads = std::stoi(r[3]), layers = std::stoi(r[4]);
    const int gpus = std::stoi(r[6]);
    TransformerSpec model = gpt(layers, hidden, heads, std::stoi(r[10]));
    model.ffn = std::stoi(r[2]);
    model.seq_len = std::stoi(r[5]);
    const ParallelConfig base{.tensor = std::stoi(r[7]),
                              .pipeline = std::stoi(r[8]),
                              .interleave = std::stoi(r[9]),
                              .microbatch = std::stoi(r[11])};
    ParallelConfig full = base;
    full.recompute = Recompute::full;
    ParallelConfig seqsel = base;
    seqsel.recompute = Recompute::selective;
    seqsel.sequence_parallel = true;
    cases.push_back({"K22 " + r[0] + " full", model, full, gpus, false, std::stod(r[12])});
    cases.push_back({"K22 " + r[0] + " seq+sel", model, seqsel, gpus, false, std::stod(r[13])});
  }
  for (const auto& r : read_csv("megatron_2021_table1.csv")) {
    const TransformerSpec model =
        gpt(std::stoi(r[3]), std::stoi(r[2]), std::stoi(r[1]), std::stoi(r[7]));
    const ParallelConfig config{.tensor = std::stoi(r[4]),
                                .pipeline = std::stoi(r[5]),
                                .interleave = 1,
                                .microbatch = 1,
                                .recompute = Recompute::full};
    cases.push_back({"M21 " + r[0] + "B", model, config, std::stoi(r[6]), true, std::stod(r[8])});
  }
  return cases;
}

double relative(double a, double b) {
  return std::fabs(a - b) / std::fabs(b);
}

} // namespace

TEST_CASE("step model reproduces the A100 calibration tables") {
  const auto cases = calibration_cases();
  REQUIRE(cases.size() == 18);
  std::string table = "\n  case                 predicted    measured   error\n";
  double sum_abs_error = 0;
  for (const auto& c : cases) {
    const StepResult r =
        estimate_step(c.model, c.config, c.gpus, a100(), default_step_efficiency());
    const double predicted = c.compare_tflops ? r.hardware_flops_per_gpu / 1e12 : r.step_time_s;
    const double error = (predicted - c.measured) / c.measured;
    sum_abs_error += std::fabs(error);
    char line[160];
    std::snprintf(line, sizeof line, "  %-18s %9.2f %-4s %7.2f %-4s %+6.1f%%\n", c.label.c_str(),
                  predicted, c.compare_tflops ? "TF/s" : "s", c.measured,
                  c.compare_tflops ? "TF/s" : "s", 100 * error);
    table += line;
    CHECK_MESSAGE(r.fits, c.label << " ran on 80 GB GPUs but the model says " << r.message);
    // Per-row bound: 7%. The two papers disagree by ~9% on the same 1T configuration
    // (Korthikanti 94.42 s vs Megatron's 163 TFLOP/s = 102.6 s), so no single physical
    // parameter set can fit every row within a few percent.
    CHECK_MESSAGE(std::fabs(error) <= 0.07, c.label);
  }
  const double mae = sum_abs_error / cases.size();
  char tail[64];
  std::snprintf(tail, sizeof tail, "  mean absolute error %.2f%%", 100 * mae);
  table += tail;
  MESSAGE(table);
  // Project target: MAE <= 5% over all rows (fitted value: 2.7%).
  CHECK(mae <= 0.05);
}

TEST_CASE("FLOP per step equals Megatron's and Korthikanti's closed forms") {
  for (const auto& r : read_csv("megatron_2021_table1.csv")) {
    const TransformerSpec m =
        gpt(std::stoi(r[3]), std::stoi(r[2]), std::stoi(r[1]), std::stoi(r[7]));
    const double B = m.global_batch, s = m.seq_len, l = m.layers, h = m.hidden, V = m.vocab;
    // Narayanan et al. 2021, Eq. 3 (full recomputation).
    const double megatron = 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
    CHECK(relative(hardware_flop_per_step(m, Recompute::full), megatron) < 1e-9);
    // Korthikanti et al. 2022, Sec. 6: model FLOP without recomputation.
    const double model = 72 * B * s * l * h * h * (1 + s / (6 * h) + V / (12 * l * h));
    CHECK(relative(model_flop_per_step(m), model) < 1e-9);
    CHECK(relative(hardware_flop_per_step(m, Recompute::none), model) < 1e-9);
    // Selective recomputation repeats the attention core forward (QK^T and softmax x V): 4 s h
    // FLOP per token and layer.
    CHECK(relative(hardware_flop_per_step(m, Recompute::selective), model + 4 * B * s * s * h * l) <
          1e-9);
  }
}

TEST_CASE("memory per GPU matches a hand computation (GPT-3 175B, Korthikanti Table 5 row)") {
  // t = 8, p = 8, v = 3, microbatch 1, B = 64, d = 1, sequence parallel + selective, ZeRO 0.
  // h = 12288, L = 96, F = 4h, V = 51200, s = 2048.
  // Parameters per layer: attention 4h^2 + 4h = 604,028,928; norms 4h = 49,152;
  //   MLP 8h^2 + 5h = 1,208,020,992; total 1,812,099,072.
  // First stage per GPU: (12 layers x 1,812,099,072 + embedding V h = 629,145,600) / 8
  //   = 2,796,791,808 parameters -> weights 2 B = 5,593,583,616 B, gradients the same,
  //   optimizer 12 B = 33,561,501,696 B.
  // Activations (Korthikanti Eq. 6, SP + selective): 34 s b h / t = 106,954,752 B per layer;
  //   in flight: p (1 + (p-1)/(p v)) = 8 x 31/24 microbatches of 12 layers
  //   -> 12 x 106,954,752 x 31/3 = 13,262,389,248 B.
  // Total 58,011,058,176 B <= 72 GB usable (80 GB less 10% reserve): fits.
  const TransformerSpec m = gpt(96, 12288, 96, 64);
  const ParallelConfig cfg{.tensor = 8,
                           .pipeline = 8,
                           .interleave = 3,
                           .microbatch = 1,
                           .sequence_parallel = true,
                           .recompute = Recompute::selective};
  const StepResult r = estimate_step(m, cfg, 64, a100(), default_step_efficiency());
  CHECK(relative(r.memory.weights_bytes, 5'593'583'616.0) < 1e-12);
  CHECK(relative(r.memory.gradients_bytes, 5'593'583'616.0) < 1e-12);
  CHECK(relative(r.memory.optimizer_bytes, 33'561'501'696.0) < 1e-12);
  CHECK(relative(r.memory.activations_bytes, 13'262'389'248.0) < 1e-12);
  CHECK(relative(r.memory.total_bytes, 58'011'058'176.0) < 1e-12);
  CHECK(r.fits);

  // ZeRO-1 over d = 8 (8x the GPUs and batch): the optimizer state shrinks 8x, the rest stays.
  TransformerSpec m8 = m;
  m8.global_batch = 512;
  ParallelConfig zero1 = cfg;
  zero1.zero_stage = 1;
  const StepResult z = estimate_step(m8, zero1, 512, a100(), default_step_efficiency());
  CHECK(relative(z.memory.optimizer_bytes, 33'561'501'696.0 / 8) < 1e-12);
  CHECK(relative(z.memory.weights_bytes, 5'593'583'616.0) < 1e-12);
}

TEST_CASE("a configuration that cannot fit is reported, not thrown") {
  // GPT-3 175B on one 8-GPU node, no pipeline: 16 B/param x 175e9 / 8 = 350 GB per GPU.
  const TransformerSpec m = gpt(96, 12288, 96, 8);
  const ParallelConfig cfg{.tensor = 8, .recompute = Recompute::full};
  const StepResult r = estimate_step(m, cfg, 8, a100(), default_step_efficiency());
  CHECK_FALSE(r.fits);
  CHECK(r.memory.total_bytes > 300e9);
  CHECK(r.message.find("optimizer") != std::string::npos);
  CHECK(r.message.find("> 72.0 GB usable of 80 GB HBM") != std::string::npos);
  MESSAGE(r.message);
}

TEST_CASE("inconsistent degrees are input errors") {
  const TransformerSpec m = gpt(96, 12288, 96, 64);
  // 64 GPUs are not divisible by t p = 24.
  CHECK_FALSE(validate(m, ParallelConfig{.tensor = 8, .pipeline = 3}, 64).empty());
  CHECK_FALSE(validate(m, ParallelConfig{.tensor = 7}, 64).empty());
  CHECK_FALSE(validate(m, ParallelConfig{.tensor = 8, .microbatch = 3}, 64).empty());
  CHECK_FALSE(validate(m, ParallelConfig{.interleave = 2}, 64).empty());
  CHECK(validate(m, ParallelConfig{.tensor = 8, .pipeline = 8, .interleave = 3}, 64).empty());
  CHECK_THROWS_AS(
      estimate_step(m, ParallelConfig{.tensor = 7}, 64, a100(), default_step_efficiency()),
      std::invalid_argument);
  StepEfficiency bad = default_step_efficiency();
  bad.gemm_fraction = 1.2;
  REQUIRE(validate(bad).size() == 1);
  CHECK(validate(bad)[0] == "gemm_fraction must be in (0, 1], got 1.2");
}

TEST_CASE("pipeline bubble is (p-1)/(v n_mb) of the ideal time") {
  const TransformerSpec m = gpt(96, 12288, 96, 64);
  for (int v : {1, 2, 3}) {
    const ParallelConfig cfg{
        .tensor = 8, .pipeline = 8, .interleave = v, .recompute = Recompute::full};
    const StepResult r = estimate_step(m, cfg, 64, a100(), default_step_efficiency());
    const double ideal_s = r.step_time_s - r.time.bubble_s - r.time.dp_comm_s - r.time.optimizer_s;
    CHECK(relative(r.time.bubble_s / ideal_s, 7.0 / (v * 64)) < 1e-9);
  }
}

TEST_CASE("search finds a configuration at least as fast as every published one") {
  const StepEfficiency eff = default_step_efficiency();
  for (const auto& c : calibration_cases()) {
    const StepResult table = estimate_step(c.model, c.config, c.gpus, a100(), eff);
    const SearchResult best = search_parallel(c.model, c.gpus, a100(), eff, SearchSpace{});
    REQUIRE(best.found);
    CHECK(best.configs_evaluated > 0);
    CHECK_MESSAGE(best.result.step_time_s <= table.step_time_s * (1 + 1e-12), c.label);
    CHECK(best.result.fits);
  }
  // Fixing every degree leaves exactly the published configuration.
  const auto cases = calibration_cases();
  const CalibrationCase& k175 = cases[2];
  SearchSpace fixed{.tensor = 8,
                    .pipeline = 8,
                    .interleave = 3,
                    .context = 1,
                    .expert = 1,
                    .microbatch = 1,
                    .zero_stage = 0,
                    .recompute = Recompute::full,
                    .sequence_parallel = false};
  const SearchResult one = search_parallel(k175.model, k175.gpus, a100(), eff, fixed);
  CHECK(one.configs_evaluated == 1);
  CHECK(one.result.step_time_s ==
        doctest::Approx(estimate_step(k175.model, k175.config, 64, a100(), eff).step_time_s)
            .epsilon(1e-12));
}

TEST_CASE("mixture of experts: FLOP follow the active parameters") {
  // 8 experts, top-2: the expert layers cost top_k/experts of the all-experts FLOP.
  TransformerSpec moe = gpt(32, 4096, 32, 256);
  moe.kv_heads = 8;
  moe.ffn = 14336;
  moe.gated_ffn = true;
  moe.experts = 8;
  moe.top_k = 2;
  TransformerSpec all_active = moe;
  all_active.top_k = 8;
  const double B = moe.global_batch, s = moe.seq_len, L = moe.layers, h = moe.hidden;
  // Forward+backward expert FLOP per token and layer: 3 x 2 x (3 h F) x k (gated: 3 matrices).
  const double expert_active = 3 * B * s * L * 2 * 3 * h * moe.ffn * moe.top_k;
  const double expert_all = expert_active * 8 / 2;
  const double difference = model_flop_per_step(all_active) - model_flop_per_step(moe);
  CHECK(relative(difference, expert_all - expert_active) < 1e-9);
  CHECK(model_flop_per_step(moe) < model_flop_per_step(all_active));
  const ParameterCount n = count_parameters(moe);
  CHECK(n.active < n.total);
  CHECK(relative(n.total - n.active, 6 * L * (3 * h * moe.ffn + 2 * moe.ffn + h)) < 1e-12);

  // With expert parallelism the all-to-all shows up and experts are sharded over e.
  const ParallelConfig ep{.tensor = 2,
                          .pipeline = 2,
                          .expert = 8,
                          .microbatch = 1,
                          .sequence_parallel = true,
                          .zero_stage = 1,
                          .recompute = Recompute::selective};
  const StepResult r = estimate_step(moe, ep, 64, a100(), default_step_efficiency());
  CHECK(r.time.ep_comm_s > 0);
  ParallelConfig no_ep = ep;
  no_ep.expert = 1;
  const StepResult r1 = estimate_step(moe, no_ep, 64, a100(), default_step_efficiency());
  CHECK(r.memory.weights_bytes < r1.memory.weights_bytes);
  CHECK(r1.time.ep_comm_s == 0);
}
