#include "sim/engine/serving_report.hpp"

#include <cmath>

#include <fmt/format.h>

#include "sim/engine/world.hpp"
#include "sim/report/atomic_file.hpp"
#include "sim/report/csv.hpp"

namespace capsim {

namespace {

using json = nlohmann::ordered_json;

json finite_or_null(double x) {
  return std::isfinite(x) ? json(x) : json(nullptr);
}

std::string csv_value(double x) {
  return std::isfinite(x) ? fmt::format("{}", x) : std::string();
}

} // namespace

json serving_summary(World& world, double covered_s) {
  json list = json::array();
  for (const ServingState& s : world.serving()) {
    const InferenceSpec& spec = *s.spec;
    const ReplicaProfile& r = spec.profile;
    json j;
    j["name"] = spec.name;
    j["cluster"] = spec.cluster;
    j["model"] = spec.model.name;
    j["parameters"] = spec.model.params;
    j["active_parameters"] = spec.model.active_params;
    j["layout"] = {{"tp", spec.layout.tensor},
                   {"pp", spec.layout.pipeline},
                   {"ep", spec.layout.expert},
                   {"quantization", to_string(spec.layout.quantization)},
                   {"batch_limit", spec.layout.batch_limit}};
    j["gpus_per_replica"] = spec.layout.gpus();
    j["replica"] = {{"max_batch", r.slots},
                    {"holding_time_s", r.holding_s},
                    {"prefill_s", r.prefill_latency_s},
                    {"capacity_requests_per_s", r.capacity_per_s()},
                    {"capacity_output_tokens_per_s", r.capacity_per_s() * r.output_tokens}};
    j["policy"] = spec.replicas.autoscaled
                      ? fmt::format("autoscaled {}..{} (scale-up delay {} s)", spec.replicas.min,
                                    spec.replicas.max, spec.replicas.scale_up_delay_s)
                      : fmt::format("fixed {}", spec.replicas.fixed);
    j["targets"] = {{"ttft_p50_s", spec.targets.ttft_p50_s},
                    {"ttft_p99_s", spec.targets.ttft_p99_s},
                    {"tpot_p50_s", spec.targets.tpot_p50_s},
                    {"tpot_p99_s", spec.targets.tpot_p99_s}};
    j["requests_demanded"] = s.demanded_requests;
    j["requests_served"] = s.served_requests;
    j["requests_unmet"] = s.unmet_requests;
    j["demand_unmet_fraction"] =
        s.demanded_requests > 0 ? json(s.unmet_requests / s.demanded_requests) : json(nullptr);
    j["output_tokens_served"] = s.output_tokens;
    j["prompt_tokens_served"] = s.prompt_tokens;
    j["output_tokens_demanded"] = s.demand_tokens;
    // Requests served within both p99 targets, over all requests demanded (unmet ones missed).
    j["slo_attainment"] =
        s.demanded_requests > 0 ? json(s.slo_met_requests / s.demanded_requests) : json(nullptr);
    j["slo_attainment_served"] =
        s.served_requests > 0 ? json(s.slo_met_requests / s.served_requests) : json(nullptr);
    j["ttft_p99_worst_s"] = finite_or_null(s.worst_ttft_p99_s);
    j["tpot_p99_worst_s"] = finite_or_null(s.worst_tpot_p99_s);
    j["overloaded_hours"] = s.overloaded_s / 3600;
    if (spec.network_rtt_s > 0 || spec.orbital) // the users' round trip, in every TTFT above
      j["network_rtt_s"] = spec.network_rtt_s;
    if (spec.orbital) {
      j["slant_range_max_m"] = spec.slant_range_m;
      j["no_contact_hours"] = s.no_contact_s / 3600; // no ground station sees the cluster
      j["requests_unmet_no_contact"] = s.unmet_no_contact_requests; // of requests_unmet
      j["dark_gpu_hours"] = s.dark_gpu_s / 3600; // held, unpowered (of gpu_hours)
    }
    const double window_s = covered_s - spec.start_s;
    j["replicas_mean"] = window_s > 0 ? json(s.replica_s / window_s) : json(nullptr);
    j["replicas_max"] = s.max_replicas_up;
    j["gpus_max"] = s.max_replicas_up * spec.layout.gpus(); // GPUs needed at the peak
    j["gpu_hours"] = s.gpu_s / 3600;
    j["energy_j"] = s.energy_j;
    j["failures"] = s.failures;
    j["preemptions"] = s.preemptions;
    j["scale_ups"] = s.scale_ups;
    j["scale_downs"] = s.scale_downs;
    list.push_back(j);
  }
  return list;
}

void write_serving_csv(World& world, const std::string& path) {
  AtomicFile file(path);
  file.write("time_s,job,demand_requests_per_s,served_requests_per_s,unmet_requests_per_s,"
             "output_tokens_per_s,slo_attainment,ttft_p99_worst_s,tpot_p99_worst_s,"
             "replicas_min,replicas_max\n");
  for (ServingState& s : world.serving()) {
    std::vector<ServingState::Step> steps = s.steps;
    if (s.step.demanded > 0 || s.step.max_replicas > 0) steps.push_back(s.step);
    for (std::size_t k = 0; k < steps.size(); ++k) {
      const ServingState::Step& st = steps[k];
      const double end_s = k + 1 < steps.size() ? steps[k + 1].start_s : s.last_s;
      const double dt = end_s - st.start_s;
      if (dt <= 0) continue;
      file.write(fmt::format(
          "{},{},{},{},{},{},{},{},{},{},{}\n", st.start_s, csv_field(s.spec->name),
          st.demanded / dt, st.served / dt, st.unmet / dt, st.output_tokens / dt,
          st.demanded > 0 ? csv_value(st.slo_met / st.demanded) : std::string(),
          // no latency when no request reached the fleet (no ground-station pass)
          st.demanded > 0 && !st.latency_seen ? std::string() : csv_value(st.ttft_p99_s),
          st.demanded > 0 && !st.latency_seen ? std::string() : csv_value(st.tpot_p99_s),
          st.min_replicas == std::numeric_limits<int>::max() ? 0 : st.min_replicas,
          st.max_replicas));
    }
  }
  file.commit();
}

} // namespace capsim
