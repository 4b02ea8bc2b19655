// Training jobs described by their architecture: the step model gives their speed.
#include <doctest/doctest.h>

#include "capsim_process.hpp"

using namespace capsim::test;

namespace {

std::string job_scenario(const std::string& gpus, const std::string& extra) {
  return "scenario: arch\nhorizon: 2 d\nsites:\n  - {name: s, grid: {capacity: 20 MW}, pue: 1.2}\n"
         "clusters:\n  - {name: c, site: s, gpu: A100, deliveries: [{at: 0 d, gpus: " +
         gpus +
         "}], failures: {rate: 0 /GPU/h}}\n"
         "jobs:\n  - name: gpt\n    cluster: c\n    model: {layers: 96, hidden: 12288, heads: 96, "
         "vocab: 51200, seq: 2048, global_batch: 1536, tokens: 3e11}\n" +
         extra;
}

} // namespace

TEST_CASE("a job with an architecture runs at the step model's speed, as capsim step says") {
  TempDir dir;
  auto s = run_ok(dir, dir.write("s.yaml", job_scenario("1024", "")));
  const auto& job = s["jobs"][0];
  CHECK(job["mfu_source"] == "step model");
  auto step = run_capsim({"step", "--gpu", "A100", "--gpus", "1024", "--layers", "96", "--hidden",
                          "12288", "--heads", "96", "--vocab", "51200", "--seq", "2048",
                          "--global-batch", "1536", "--search", "--json"});
  REQUIRE(step.exit_code == 0);
  auto json = nlohmann::json::parse(step.output.substr(step.output.find('{')));
  CHECK(job["mfu"].get<double>() == doctest::Approx(json["mfu"].get<double>()).epsilon(1e-12));
  CHECK(job["step_time_s"].get<double>() ==
        doctest::Approx(json["step_time_s"].get<double>()).epsilon(1e-9));
}

TEST_CASE("an MFU given with an architecture overrides the step model and says so") {
  TempDir dir;
  auto s = run_ok(dir, dir.write("s.yaml", job_scenario("1024", "    mfu: 0.5\n")));
  CHECK(s["jobs"][0]["mfu"].get<double>() == 0.5);
  CHECK(s["jobs"][0]["mfu_source"].get<std::string>().rfind("scenario (overrides", 0) == 0);
}

TEST_CASE("a model that fits no parallel configuration is a located error") {
  TempDir dir;
  auto r = run_capsim({"validate", dir.write("s.yaml", job_scenario("8", ""))});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("s.yaml:10:12: error: job 'gpt': no parallel configuration of this model "
                      "fits 8 A100 GPUs") != std::string::npos);
}
