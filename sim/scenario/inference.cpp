#include "sim/scenario/inference.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "sim/scenario/model_reader.hpp"
#include "sim/scenario/yaml_reader.hpp"

namespace capsim {

double DemandSpec::at(double t_s) const {
  if (!samples.empty()) {
    auto it = std::upper_bound(samples.begin(), samples.end(), t_s,
                               [](double t, const SeriesSample& s) { return t < s.time_s; });
    return it == samples.begin() ? samples.front().value : std::prev(it)->value;
  }
  const double unix_s = epoch_unix_s + t_s;
  const double day_s = 86400;
  const double days = std::floor(unix_s / day_s);
  const auto hour = static_cast<std::size_t>(std::floor((unix_s - days * day_s) / 3600)) % 24;
  // 1970-01-01 was a Thursday: Monday-first index (days + 3) mod 7.
  const auto weekday = static_cast<std::size_t>(((static_cast<long long>(days) + 3) % 7 + 7) % 7);
  return rate_per_s * daily[hour] * weekly[weekday];
}

bool is_inference_job(const YAML::Node& node) {
  return node.IsMap() && node["kind"].IsDefined() && node["kind"].IsScalar() &&
         node["kind"].Scalar() == "inference";
}

namespace {

// A list of `n` non-negative multipliers (dimensionless).
bool read_profile(MapReader& r, const char* key, std::size_t n, const std::string& what,
                  Diagnostics& d, double* out) {
  YAML::Node list = r.sequence(key, Need::optional);
  if (!list.IsDefined()) return false;
  if (list.size() != n) {
    d.error(list,
            fmt::format("{}: demand {} takes {} multipliers, got {}", what, key, n, list.size()));
    return false;
  }
  std::size_t i = 0;
  for (const auto& item : list) {
    auto v = read_quantity(item, Dimension::dimensionless, "a demand multiplier", d);
    if (v && (*v < 0 || *v > 1e3))
      d.error(item, what + ": a demand multiplier must be in [0, 1000]");
    out[i++] = v.value_or(0);
  }
  return true;
}

// A request length: a number of tokens (fixed), or a distribution given by its mean and 99th
// percentile, {distribution: lognormal, mean: 350, p99: 2000}, whose mean and coefficient of
// variation it sets (models/serving.hpp lognormal_from_mean_p99). True for a distribution.
bool read_length(MapReader& r, const char* key, const std::string& what, Diagnostics& d,
                 double& mean, double& cv) {
  YAML::Node node = r.child(key, Need::required);
  if (!node.IsDefined()) return false;
  if (!node.IsMap()) {
    auto v = read_quantity(node, Dimension::dimensionless, key, d);
    if (v && !request_length_parameter::mean.accepts(*v))
      d.error(node, fmt::format("{}: {} must be in [1, 1e7], got {}", what, key, *v));
    else if (v)
      mean = *v;
    return false;
  }
  MapReader m(node, what + " " + key, d);
  m.one_of("distribution", Need::required, {"lognormal"});
  const auto mu = m.given(request_length_parameter::mean);
  const auto p99 = m.given(request_length_parameter::p99);
  m.finish();
  if (!mu || !p99) return true;
  const auto law = lognormal_from_mean_p99(*mu, *p99);
  if (!law) {
    d.error(node, fmt::format("{}: {}: no lognormal has mean {} and 99th percentile {} (the "
                              "percentile must be above the mean and at most {:.4g} times it)",
                              what, key, *mu, *p99,
                              std::exp(2.3263478740408408 * 2.3263478740408408 / 2)));
    return true;
  }
  mean = *mu;
  cv = law->cv;
  return true;
}

const ClusterSpec* find_cluster(MapReader& r, const Scenario& s, const std::string& what,
                                Diagnostics& d) {
  YAML::Node c = r.child("cluster", Need::required);
  if (!c.IsDefined() || !c.IsScalar()) return nullptr;
  const ClusterSpec* cluster = nullptr;
  for (const auto& item : s.clusters)
    if (item.name == c.Scalar()) cluster = &item;
  if (!cluster) {
    std::string names;
    for (const auto& item : s.clusters)
      names += (names.empty() ? "" : ", ") + item.name;
    d.error(c, what + " refers to unknown cluster '" + c.Scalar() +
                   "' (clusters: " + (names.empty() ? "none" : names) + ")");
  }
  return cluster;
}

void read_layout(const YAML::Node& node, const std::string& what, Diagnostics& d,
                 InferenceSpec& j) {
  MapReader l(node, what + " layout", d);
  auto whole = [&](const Parameter& p) { return static_cast<int>(l.quantity(p)); };
  j.layout.tensor = whole(serving_layout_parameter::tp);
  j.layout.pipeline = whole(serving_layout_parameter::pp);
  j.layout.expert = whole(serving_layout_parameter::ep);
  if (auto q = l.one_of("quantization", Need::optional, {"bf16", "fp8", "fp4"}))
    j.layout.quantization = *parse_quantization(*q);
  j.layout.batch_limit = whole(serving_layout_parameter::batch_limit);
  l.finish();
}

void read_requests(const YAML::Node& node, const std::string& what, Diagnostics& d,
                   InferenceSpec& j) {
  MapReader q(node, what + " requests", d);
  j.shape.prompt_tokens = 1;
  j.shape.output_tokens = 1;
  read_length(q, "prompt_tokens", what, d, j.shape.prompt_tokens, j.shape.prompt_tokens_cv);
  const bool output_distribution =
      read_length(q, "output_tokens", what, d, j.shape.output_tokens, j.shape.output_tokens_cv);
  if (q.has("output_tokens_cv")) {
    YAML::Node cv_node = q.peek("output_tokens_cv");
    const double cv = q.quantity(request_shape_parameter::output_tokens_cv);
    if (output_distribution)
      d.error(cv_node, what + ": output_tokens is a distribution, which gives its own "
                              "variation: drop output_tokens_cv");
    else
      j.shape.output_tokens_cv = cv;
  }
  q.finish();
}

// A demand `file:` of requests_per_s rows (times relative, or UTC aligned by the epoch).
void read_demand_file(const YAML::Node& file_node, const std::string& name, const std::string& what,
                      Diagnostics& d, std::optional<double> epoch_unix_s, InferenceSpec& j) {
  j.demand.file = resolve_path(name, d.file());
  std::ifstream in(j.demand.file, std::ios::binary);
  if (!in) {
    d.error(file_node, what + ": cannot open demand file '" + j.demand.file + "'");
    return;
  }
  std::ostringstream text;
  text << in.rdbuf();
  SeriesCsv csv = parse_series_csv(
      text.str(),
      SeriesColumn{.name = "requests_per_s", .unit = "requests/s", .min = 0, .max = 1e9});
  for (const auto& e : csv.errors)
    d.error_in(j.demand.file, e.line, e.column, e.message);
  if (csv.ok() && csv.utc && !epoch_unix_s)
    d.error(file_node, what + ": '" + j.demand.file +
                           "' has UTC timestamps: give the scenario an epoch (epoch: "
                           "2026-01-05T00:00:00Z) to align it");
  else if (csv.ok()) {
    const double start = csv.utc ? *epoch_unix_s : 0;
    for (SeriesSample sample : csv.samples) {
      sample.time_s -= start;
      j.demand.samples.push_back(sample);
    }
  }
}

// `demand:` a file, or a rate with daily and weekly profiles.
void read_demand(const YAML::Node& node, const std::string& what, Diagnostics& d,
                 std::optional<double> epoch_unix_s, InferenceSpec& j) {
  MapReader m(node, what + " demand", d);
  j.demand.step_s = m.quantity(demand_parameter::step);
  if (m.has("file")) {
    YAML::Node file_node = m.peek("file");
    auto name = m.string("file", Need::required);
    if (m.has("rate") || m.has("daily") || m.has("weekly"))
      d.error(node, what + ": demand takes a file, or a rate with daily and weekly "
                           "profiles, not both");
    if (name) read_demand_file(file_node, *name, what, d, epoch_unix_s, j);
  } else {
    j.demand.rate_per_s = m.quantity(demand_parameter::rate);
    read_profile(m, "daily", 24, what, d, j.demand.daily.data());
    read_profile(m, "weekly", 7, what, d, j.demand.weekly.data());
  }
  m.finish();
}

void read_targets(const YAML::Node& node, const std::string& what, Diagnostics& d,
                  InferenceSpec& j) {
  MapReader t(node, what + " targets", d);
  // 0: no target. Both p99 targets are required, and reported missing together below.
  auto target = [&](const Parameter& p) { return t.given(p, Need::optional).value_or(0); };
  j.targets.ttft_p50_s = target(target_parameter::ttft_p50);
  j.targets.ttft_p99_s = target(target_parameter::ttft_p99);
  j.targets.tpot_p50_s = target(target_parameter::tpot_p50);
  j.targets.tpot_p99_s = target(target_parameter::tpot_p99);
  if (j.targets.ttft_p99_s <= 0 || j.targets.tpot_p99_s <= 0)
    d.error(node, what + ": targets need at least ttft_p99 and tpot_p99");
  t.finish();
}

void read_replicas(const YAML::Node& node, const std::string& what, Diagnostics& d,
                   InferenceSpec& j) {
  if (!node.IsMap()) {
    d.error(node, what + ": replicas is a mapping: {fixed: N} or {min: A, max: B, "
                         "scale_up_delay: 10 min}");
    return;
  }
  MapReader p(node, what + " replicas", d);
  if (p.has("fixed")) {
    j.replicas.fixed = static_cast<int>(p.given(replica_parameter::fixed).value_or(1));
    if (p.has("min") || p.has("max"))
      d.error(node, what + ": replicas are fixed, or autoscaled within min and max");
  } else {
    j.replicas.autoscaled = true;
    j.replicas.min = static_cast<int>(p.given(replica_parameter::min).value_or(0));
    j.replicas.max = static_cast<int>(p.given(replica_parameter::max).value_or(1));
    if (j.replicas.min > j.replicas.max) d.error(node, what + ": replicas min is above max");
  }
  j.replicas.scale_up_delay_s = p.quantity(replica_parameter::scale_up_delay);
  p.finish();
}

// The round trip a request travels: the user's latency both ways, and at an orbital site the
// farthest ground station's slant range and an inter-satellite hop.
void set_network(const YAML::Node& node, const Scenario& s, const ClusterSpec& cluster,
                 const std::string& what, Diagnostics& d, InferenceSpec& j) {
  auto site = std::find_if(s.sites.begin(), s.sites.end(),
                           [&](const SiteSpec& x) { return x.name == cluster.site; });
  j.network_rtt_s = 2 * j.user_latency_s;
  if (site == s.sites.end() || site->kind != SiteKind::orbital) return;
  j.orbital = true;
  const OrbitalSpec& o = site->orbital;
  if (o.stations.empty())
    d.error(node, what + ": cluster '" + cluster.name + "' is at orbital site '" + site->name +
                      "', which has no ground_stations: no request could reach it");
  for (const NamedGroundStation& g : o.stations)
    j.slant_range_m =
        std::max(j.slant_range_m, slant_range_m(o.orbit.altitude_m, g.station.min_elevation_rad));
  j.network_rtt_s += 2 * (j.slant_range_m / speed_of_light_m_per_s + o.isl_latency_s);
}

// The layout on the cluster's GPUs: it must fit, and tile the cluster's hosts; the replicas must
// fit the cluster.
void place_replicas(const ServingHardware& hw, const ClusterSpec& cluster, const YAML::Node& where,
                    const YAML::Node& replicas_node, const std::string& what, Diagnostics& d,
                    InferenceSpec& j) {
  auto problems = validate(j.model, hw, j.layout);
  for (const auto& problem : validate(j.shape))
    problems.push_back(problem);
  for (const auto& problem : problems)
    d.error(where, what + " layout: " + problem);
  const int g = j.layout.gpus(), h = cluster.gpus_per_host;
  if (g % h != 0 && h % g != 0)
    d.error(where, fmt::format("{}: a replica of {} GPUs does not tile hosts of {} GPUs "
                               "(one must divide the other)",
                               what, g, h));
  else {
    j.hosts_per_replica = std::max(1, g / h);
    j.replicas_per_host = std::max(1, h / g);
  }
  if (problems.empty()) {
    ServingMemory memory = serving_memory(j.model, hw, j.layout, j.shape);
    if (!memory.fits())
      d.error(where, fmt::format("{}: the model does not fit a replica of {} {} GPUs "
                                 "({:.3g} GB of weights per GPU of {:.3g} GB)",
                                 what, g, cluster.gpu.name, memory.weight_bytes / 1e9,
                                 memory.usable_bytes / 1e9));
    else
      j.profile = replica_profile(j.model, hw, j.layout, default_serving_efficiency(hw.generation),
                                  j.shape);
  }
  const long long replica_cap = cluster.total_gpus / g * 1; // every GPU of the cluster in replicas
  const int most = j.replicas.autoscaled ? j.replicas.max : j.replicas.fixed;
  if (replica_cap < most)
    d.error(replicas_node, fmt::format("{}: {} replicas of {} GPUs need {} GPUs; cluster '{}' "
                                       "only ever has {}",
                                       what, most, g, static_cast<long long>(most) * g,
                                       cluster.name, cluster.total_gpus));
}

} // namespace

InferenceSpec read_inference_job(const YAML::Node& node, const Scenario& s, Diagnostics& d,
                                 std::optional<double> epoch_unix_s, double max_horizon_s) {
  InferenceSpec j;
  MapReader r(node, "job", d);
  j.name = r.string("name", Need::required).value_or("?");
  const std::string what = "inference job '" + j.name + "'";
  r.rename(what);
  r.one_of("kind", Need::required, {"training", "inference"});
  const ClusterSpec* cluster = find_cluster(r, s, what, d);
  if (cluster) j.cluster = cluster->name;
  Parameter start = inference_job_parameter::start;
  start.max_si = max_horizon_s; // the loader's longest horizon, as declared
  j.start_s = r.quantity(start);
  j.priority = static_cast<int>(r.quantity(inference_job_parameter::priority));
  j.user_latency_s = r.quantity(inference_job_parameter::user_latency);
  YAML::Node model_node = r.mapping("model", Need::required);
  if (model_node.IsDefined()) {
    MapReader m(model_node, what + " model", d);
    j.model = read_serving_model(m, d, what + " model");
    m.finish();
  }
  YAML::Node layout_node = r.mapping("layout", Need::optional);
  if (layout_node.IsDefined()) read_layout(layout_node, what, d, j);
  if (YAML::Node requests = r.mapping("requests", Need::required); requests.IsDefined())
    read_requests(requests, what, d, j);
  j.demand.daily.fill(1);
  j.demand.weekly.fill(1);
  j.demand.epoch_unix_s = epoch_unix_s.value_or(0);
  if (YAML::Node demand = r.mapping("demand", Need::required); demand.IsDefined())
    read_demand(demand, what, d, epoch_unix_s, j);
  if (YAML::Node targets = r.mapping("targets", Need::required); targets.IsDefined())
    read_targets(targets, what, d, j);
  YAML::Node replicas_node = r.child("replicas", Need::required);
  if (replicas_node.IsDefined()) read_replicas(replicas_node, what, d, j);
  if (cluster && model_node.IsDefined() && j.model.layers > 0) {
    set_network(node, s, *cluster, what, d, j);
    std::optional<ServingHardware> hw;
    try {
      hw = serving_hardware(cluster->gpu);
    } catch (const std::exception& e) {
      d.error(r.node(), what + ": " + e.what());
    }
    if (hw)
      place_replicas(*hw, *cluster, layout_node.IsDefined() ? layout_node : model_node,
                     replicas_node, what, d, j);
  }
  r.finish();
  return j;
}

} // namespace capsim
