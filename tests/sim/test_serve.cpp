// The serving model against published benchmark rows (calibration) and `capsim serve` as a user
// runs it.
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "models/serving.hpp"
#include "sim/scenario/catalog.hpp"
#include "tests/sim/capsim_process.hpp"

using namespace capsim;

namespace {

struct BenchmarkRow {
  std::string source, model, gpu, per, split;
  ServingLayout layout;
  ServingRequestShape shape;
  double published_tokens_per_s_per_gpu = 0;
};

std::vector<BenchmarkRow> benchmark_rows() {
  std::ifstream in(test::source_path("tests/reference/serving/trtllm-perf-overview.csv"));
  REQUIRE(in);
  std::string line;
  std::getline(in, line); // header
  std::vector<BenchmarkRow> rows;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream s(line);
    for (std::string field; std::getline(s, field, ',');)
      f.push_back(field);
    REQUIRE(f.size() == 13);
    BenchmarkRow r;
    r.source = f[0];
    r.model = f[1];
    r.gpu = f[2];
    r.per = f[10];
    r.split = f[12];
    r.layout = ServingLayout{.tensor = std::stoi(f[4]),
                             .pipeline = std::stoi(f[5]),
                             .expert = std::stoi(f[6]),
                             .quantization = *parse_quantization(f[3]),
                             .batch_limit = 2048,
                             .kv_free_fraction = std::stod(f[11])};
    r.shape =
        ServingRequestShape{.prompt_tokens = std::stod(f[7]), .output_tokens = std::stod(f[8])};
    double published = std::stod(f[9]);
    r.published_tokens_per_s_per_gpu = r.per == "replica" ? published / r.layout.gpus() : published;
    rows.push_back(r);
  }
  return rows;
}

double relative_error(const BenchmarkRow& r, const ServingEfficiency& eff) {
  ServingModel model = *serving_model_preset(r.model);
  ServingHardware hw = serving_hardware(*default_catalog().find_gpu(r.gpu));
  ServingCapacity c = serving_capacity(model, hw, r.layout, eff, r.shape);
  if (!c.memory.fits()) return 1.0;
  return c.output_tokens_per_s_per_gpu / r.published_tokens_per_s_per_gpu - 1;
}

struct Errors {
  double fit = 0, holdout = 0; // mean absolute relative error
  int fit_rows = 0, holdout_rows = 0;
};

Errors errors(const std::vector<BenchmarkRow>& rows, GpuGeneration generation,
              const ServingEfficiency& eff) {
  Errors e;
  for (const auto& r : rows) {
    if (serving_hardware(*default_catalog().find_gpu(r.gpu)).generation != generation) continue;
    double err = std::abs(relative_error(r, eff));
    if (r.split == "fit") {
      e.fit += err;
      ++e.fit_rows;
    } else {
      e.holdout += err;
      ++e.holdout_rows;
    }
  }
  e.fit /= std::max(1, e.fit_rows);
  e.holdout /= std::max(1, e.holdout_rows);
  return e;
}

// The grid the defaults were chosen on: every combination, the lowest mean error on fit rows.
ServingEfficiency grid_fit(const std::vector<BenchmarkRow>& rows, GpuGeneration generation) {
  ServingEfficiency best = default_serving_efficiency(generation);
  double best_error = 1e9;
  for (double c = 0.20; c <= 0.951; c += 0.025)
    for (double h = 0.50; h <= 0.976; h += 0.025)
      for (double o : {0.0, 1e-3, 2e-3, 4e-3, 6e-3, 8e-3, 12e-3})
        for (double q : {0.0, 2e-6, 5e-6, 10e-6, 20e-6, 40e-6}) {
          ServingEfficiency eff = default_serving_efficiency(generation);
          eff.compute_fraction = c;
          eff.hbm_fraction = h;
          eff.round_overhead_s = o;
          eff.request_overhead_s = q;
          double err = errors(rows, generation, eff).fit;
          if (err < best_error) {
            best_error = err;
            best = eff;
          }
        }
  return best;
}

} // namespace

// The README's validation table claims these mean absolute errors (output tokens/s per GPU,
// saturated replica); the test fails if the model does worse.
TEST_CASE("serving calibration: fitted and held-out errors within the README's claims") {
  struct Claim {
    GpuGeneration generation;
    double fit, holdout;
  };
  auto rows = benchmark_rows();
  REQUIRE(rows.size() == 162);
  for (Claim claim :
       {Claim{GpuGeneration::ampere, 0.11, 0.10}, Claim{GpuGeneration::hopper, 0.10, 0.15},
        Claim{GpuGeneration::blackwell, 0.07, 0.11}}) {
    Errors e = errors(rows, claim.generation, default_serving_efficiency(claim.generation));
    INFO(to_string(claim.generation)
         << ": fit " << e.fit << " over " << e.fit_rows << " rows, held out " << e.holdout
         << " over " << e.holdout_rows << " rows");
    CHECK(e.fit_rows > 0);
    CHECK(e.holdout_rows > 0);
    CHECK(e.fit <= claim.fit);
    CHECK(e.holdout <= claim.holdout);
  }
}

TEST_CASE("serving calibration: the shipped efficiencies are the grid optimum on the fit rows") {
  auto rows = benchmark_rows();
  for (GpuGeneration g : {GpuGeneration::ampere, GpuGeneration::hopper, GpuGeneration::blackwell}) {
    ServingEfficiency best = grid_fit(rows, g);
    double shipped = errors(rows, g, default_serving_efficiency(g)).fit;
    double optimum = errors(rows, g, best).fit;
    INFO(to_string(g) << ": optimum compute " << best.compute_fraction << " hbm "
                      << best.hbm_fraction << " round " << best.round_overhead_s << " request "
                      << best.request_overhead_s << " error " << optimum << ", shipped "
                      << shipped);
    CHECK(shipped <= optimum + 1e-3);
  }
}

TEST_CASE("capsim serve: one replica at a load, text and JSON") {
  auto r = test::run_capsim({"serve", "--gpu", "H100", "--model", "llama3-70b", "--tp", "4",
                             "--prompt-tokens", "1000", "--output-tokens", "500", "--rate", "5",
                             "--ttft-s", "2", "--tpot-s", "0.05", "--json"});
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.output);
  CHECK(j["layout"]["gpus"] == 4);
  CHECK(j["layout"]["quantization"] == "fp8"); // H100 default
  // The CLI reports the model's figures for the catalogue's H100.
  ServingModel m = *serving_model_preset("llama3-70b");
  ServingHardware hw = serving_hardware(*default_catalog().find_gpu("H100"));
  ServingLayout layout{.tensor = 4, .quantization = Quantization::fp8};
  ServingRequestShape shape{.prompt_tokens = 1000, .output_tokens = 500};
  ServingEfficiency eff = default_serving_efficiency(GpuGeneration::hopper);
  ServingCapacity cap = serving_capacity(m, hw, layout, eff, shape);
  CHECK(j["max_batch"] == cap.memory.max_batch);
  CHECK(j["capacity"]["output_tokens_per_s"].get<double>() ==
        doctest::Approx(cap.output_tokens_per_s));
  ServingLatency lat = serving_latency(m, hw, layout, eff, shape, 5, {.ttft_s = 2, .tpot_s = 0.05});
  CHECK(j["load"]["ttft_p99_s"].get<double>() == doctest::Approx(lat.ttft_p99_s));
  CHECK(j["load"]["tpot_p99_s"].get<double>() == doctest::Approx(lat.tpot_p99_s));
  CHECK(j["load"]["stable"] == true);

  auto text =
      test::run_capsim({"serve", "--gpu", "H100", "--model", "llama3-70b", "--tp", "4",
                        "--prompt-tokens", "1000", "--output-tokens", "500", "--rate", "5"});
  REQUIRE(text.exit_code == 0);
  CHECK(text.output.find("TTFT") != std::string::npos);
  CHECK(text.output.find("capacity") != std::string::npos);
}

TEST_CASE("capsim serve --search: cheapest layout first, GPUs never fewer for more demand") {
  int last_gpus = 0;
  for (std::string demand : {"1", "10", "100"}) {
    auto r = test::run_capsim({"serve", "--search", "--gpu", "H100", "--model", "llama3-70b",
                               "--prompt-tokens", "2000", "--output-tokens", "500", "--rate",
                               demand, "--ttft-s", "2", "--tpot-s", "0.05", "--json"});
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
    auto layouts = j["layouts"];
    REQUIRE(layouts.size() >= 2);
    for (std::size_t i = 1; i < layouts.size(); ++i)
      CHECK(layouts[i]["gpus"].get<int>() >= layouts[i - 1]["gpus"].get<int>());
    CHECK(layouts[0]["load"]["ttft_p99_s"].get<double>() <= 2.0);
    CHECK(layouts[0]["load"]["tpot_p99_s"].get<double>() <= 0.05);
    CHECK(layouts[0]["gpus"].get<int>() >= last_gpus);
    last_gpus = layouts[0]["gpus"].get<int>();
  }
}

TEST_CASE("capsim serve: bad input exits 2 with the reason") {
  auto unknown_gpu = test::run_capsim({"serve", "--gpu", "H900", "--model", "llama3-8b",
                                       "--prompt-tokens", "100", "--output-tokens", "100"});
  CHECK(unknown_gpu.exit_code == 2);
  CHECK(unknown_gpu.output.find("unknown GPU 'H900'; known: A100, H100") != std::string::npos);

  auto unknown_model = test::run_capsim({"serve", "--gpu", "H100", "--model", "llama9",
                                         "--prompt-tokens", "100", "--output-tokens", "100"});
  CHECK(unknown_model.exit_code == 2);
  CHECK(unknown_model.output.find("unknown model 'llama9'") != std::string::npos);

  // 405.9e9 FP8 weights on one 80 GB H100: says what needs how much against what is there.
  auto no_fit = test::run_capsim({"serve", "--gpu", "H100", "--model", "llama3-405b",
                                  "--prompt-tokens", "1000", "--output-tokens", "500"});
  INFO(no_fit.output);
  CHECK(no_fit.exit_code == 2);
  CHECK(no_fit.output.find("weights need 405.9 GB") != std::string::npos);
  CHECK(no_fit.output.find("of 85.5 GB HBM") != std::string::npos); // driver-reported

  auto fp4_on_hopper =
      test::run_capsim({"serve", "--gpu", "H100", "--model", "llama3-8b", "--quant", "fp4",
                        "--prompt-tokens", "100", "--output-tokens", "100"});
  CHECK(fp4_on_hopper.exit_code == 2);
  CHECK(fp4_on_hopper.output.find("H100 has no fp4 tensor cores") != std::string::npos);

  auto bad_tp = test::run_capsim({"serve", "--gpu", "H100", "--model", "llama3-8b", "--tp", "3",
                                  "--prompt-tokens", "100", "--output-tokens", "100"});
  CHECK(bad_tp.exit_code == 2);
  CHECK(bad_tp.output.find("tp must divide the attention heads") != std::string::npos);

  auto search_without_targets =
      test::run_capsim({"serve", "--search", "--gpu", "H100", "--model", "llama3-8b",
                        "--prompt-tokens", "100", "--output-tokens", "100", "--rate", "10"});
  CHECK(search_without_targets.exit_code == 2);
  CHECK(search_without_targets.output.find("--ttft-s and --tpot-s") != std::string::npos);

  auto impossible = test::run_capsim({"serve", "--search", "--gpu", "H100", "--model", "llama3-70b",
                                      "--prompt-tokens", "1000", "--output-tokens", "100", "--rate",
                                      "1", "--ttft-s", "2", "--tpot-s", "0.001"});
  CHECK(impossible.exit_code == 2);
  CHECK(impossible.output.find("no layout of") != std::string::npos);

  auto zero_output = test::run_capsim({"serve", "--gpu", "H100", "--model", "llama3-8b",
                                       "--prompt-tokens", "100", "--output-tokens", "0"});
  CHECK(zero_output.exit_code == 2);
  CHECK(zero_output.output.find("output tokens must be >= 1") != std::string::npos);
}
