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

TEST_CASE("goodput: waiting before the job's GPUs exist is reported, not charged") {
  // quickstart: 2,048 GPUs on day 0, 2,048 more on day 20; the 3,072-GPU job cannot run before
  // day 20. Submitted on day 10 instead of day 20, it waits 10 days for GPUs that do not exist
  // yet: that wait is reported and its goodput is the same as when submitted on day 20.
  TempDir early, on_time;
  auto e = run_ok(early, source_path("scenarios/quickstart.yaml"),
                  {"--set", "jobs.pretrain.start=10 d"});
  auto o = run_ok(on_time, source_path("scenarios/quickstart.yaml"));
  const auto& je = e["jobs"][0];
  const auto& jo = o["jobs"][0];
  CHECK(je["waiting_for_gpus_s"].get<double>() == doctest::Approx(10 * 86400.0).epsilon(1e-12));
  CHECK(jo["waiting_for_gpus_s"].get<double>() == 0);
  CHECK(je["completion_s"].get<double>() == jo["completion_s"].get<double>());
  CHECK(je["goodput_fraction"].get<double>() ==
        doctest::Approx(jo["goodput_fraction"].get<double>()).epsilon(1e-12));
}

TEST_CASE("goodput: the loss split names what a power cap and failures cost") {
  // quickstart caps GPU power until the grid upgrade on day 35, and failures interrupt the job:
  // the split carries both, and a run without failures loses no work to interruptions.
  TempDir with, without;
  auto w = run_ok(with, source_path("scenarios/quickstart.yaml"));
  auto n = run_ok(without, source_path("scenarios/quickstart.yaml"),
                  {"--set", "clusters.h100-lease.failures.rate=0 /GPU/h"});
  const auto& lw = w["jobs"][0]["goodput_loss"];
  const auto& ln = n["jobs"][0]["goodput_loss"];
  CHECK(lw["power_caps"].get<double>() > 0.01);
  CHECK(lw["lost_work"]["failure"].get<double>() > 0);
  CHECK(lw["restarts"].get<double>() > 0);
  CHECK(ln["lost_work"].empty());
  // The one start-up (5 min restart overhead and the checkpoint read) of a ~34-day window.
  CHECK(ln["restarts"].get<double>() > 0);
  CHECK(ln["restarts"].get<double>() < 2e-4);
  // Without interruptions, what is left besides the cap, the start-up and the exposed gradient
  // reduction is checkpoint writes.
  double g = n["jobs"][0]["goodput_fraction"].get<double>();
  CHECK(ln["power_caps"].get<double>() + ln["checkpoint_writes"].get<double>() +
            ln["restarts"].get<double>() + ln["communication"].get<double>() ==
        doctest::Approx(1 - g).epsilon(1e-9));
}
