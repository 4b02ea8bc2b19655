#include "sim/scenario/loader.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "models/training.hpp"
#include "sim/scenario/inference.hpp"
#include "sim/scenario/model_reader.hpp"
#include "sim/scenario/site_orbital.hpp"
#include "sim/scenario/site_power.hpp"
#include "sim/scenario/yaml_reader.hpp"

#include "models/units.hpp"

namespace capsim {

namespace {

// Absurd-value guards: beyond these, a scenario is a typo, not a plan.
constexpr double max_horizon_s = longest_horizon_s;
constexpr long long max_gpus = static_cast<long long>(scenario_max_gpus);
constexpr double max_outputs_rows = 5e6;
constexpr double checkpoint_bytes_per_parameter = 14; // bf16 weights + fp32 master + Adam m, v
constexpr double never_s = std::numeric_limits<double>::infinity();

// A whole-number parameter as read (MapReader::given checks it is whole and in range).
std::optional<long long> as_count(std::optional<double> value) {
  if (!value) return std::nullopt;
  return static_cast<long long>(*value);
}

// Byte offset of the first byte that breaks UTF-8 (overlong forms, surrogates and code points
// above U+10FFFF included), or npos.
std::size_t invalid_utf8_at(const std::string& text) {
  const auto* b = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t n = text.size(), i = 0;
  while (i < n) {
    unsigned char c = b[i];
    std::size_t length = c < 0x80           ? 1
                         : (c >> 5) == 0x6  ? 2
                         : (c >> 4) == 0xe  ? 3
                         : (c >> 3) == 0x1e ? 4
                                            : 0;
    if (length == 0 || i + length > n) return i;
    std::uint32_t cp = length == 1 ? c : length == 2 ? c & 0x1f : length == 3 ? c & 0x0f : c & 0x07;
    for (std::size_t k = 1; k < length; ++k) {
      if ((b[i + k] & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (b[i + k] & 0x3f);
    }
    if ((length == 2 && cp < 0x80) || (length == 3 && cp < 0x800) ||
        (length == 4 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return i;
    i += length;
  }
  return std::string::npos;
}

// The text with control characters and bytes of invalid UTF-8 shown as \xNN.
std::string printable(const std::string& text) {
  std::string out;
  bool utf8 = invalid_utf8_at(text) == std::string::npos;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8))
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

// Every key and value of the document must be UTF-8 (names end up in JSON and CSV files).
void check_utf8(const YAML::Node& node, Diagnostics& d) {
  if (node.IsScalar()) {
    auto at = invalid_utf8_at(node.Scalar());
    if (at != std::string::npos)
      d.error(node, fmt::format("invalid UTF-8 (byte 0x{:02x} at byte {} of '{}'); scenario text "
                                "must be UTF-8",
                                static_cast<unsigned char>(node.Scalar()[at]), at,
                                printable(node.Scalar().substr(0, 60))));
  } else if (node.IsSequence()) {
    for (const auto& item : node)
      check_utf8(item, d);
  } else if (node.IsMap()) {
    for (const auto& entry : node) {
      check_utf8(entry.first, d);
      check_utf8(entry.second, d);
    }
  }
}

// What names a list item in a --set path: its `name`, or for items that refer to one site,
// cluster or job (finance.site_costs), that reference.
std::optional<std::string> item_key(const YAML::Node& item) {
  if (!item.IsMap()) return std::nullopt;
  for (const char* key : {"name", "site", "cluster", "job"})
    if (item[key].IsDefined() && item[key].IsScalar()) return item[key].Scalar();
  return std::nullopt;
}

std::string names_of(const YAML::Node& list) {
  std::string names;
  for (const auto& item : list)
    if (auto key = item_key(item)) names += (names.empty() ? "" : ", ") + *key;
  return names.empty() ? "none" : names;
}

} // namespace

std::optional<std::string> output_name_problem(const std::string& name) {
  if (name.empty()) return "empty; the name makes the default output directory out/NAME";
  if (name.size() > 200) return "longer than 200 bytes; it makes a directory name";
  for (unsigned char c : name) {
    if (c == '/' || c == '\\')
      return "contains a path separator; the name makes the default output directory out/NAME "
             "and may not lead elsewhere (use -o DIR to choose another directory)";
    if (c < 0x20 || c == 0x7f) return "contains a control character";
  }
  if (name == "." || name == "..")
    return "not a directory name; the name makes the default output directory out/NAME";
  if (name.front() == '.')
    return "starts with '.'; the name makes the default output directory out/NAME, which would "
           "be hidden";
  return std::nullopt;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(path);
  while (std::getline(in, part, '.'))
    parts.push_back(part);
  return parts;
}

Override parse_override(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    Diagnostics d("--set " + text);
    d.error_unlocated("expected PATH=VALUE, e.g. sites.memphis.grid.capacity=300MW");
    d.throw_if_any();
  }
  return {text.substr(0, eq), text.substr(eq + 1)};
}

void apply_overrides(YAML::Node& root, const std::vector<Override>& overrides,
                     Diagnostics& diagnostics) {
  for (const auto& o : overrides) {
    std::string origin = "--set " + o.path;
    auto parts = split_path(o.path);
    if (parts.empty() ||
        std::any_of(parts.begin(), parts.end(), [](auto& p) { return p.empty(); })) {
      Diagnostics(origin).error_unlocated(""); // keep the compiler quiet about unused paths
      diagnostics.add_origin(YAML::Node(), origin);
      diagnostics.error_unlocated(origin + ": empty key in path '" + o.path + "'");
      continue;
    }
    if (o.value.find_first_not_of(" \t") == std::string::npos) {
      diagnostics.error_unlocated(origin + ": empty value; write PATH=VALUE");
      continue;
    }
    YAML::Node value;
    try {
      value = YAML::Load(o.value);
    } catch (const YAML::ParserException& e) {
      diagnostics.error_unlocated(origin + ": cannot parse value '" + o.value + "': " + e.msg);
      continue;
    }
    YAML::Node current;
    current.reset(root);
    std::string walked;
    bool ok = true;
    for (std::size_t i = 0; i + 1 < parts.size() && ok; ++i) {
      const std::string& key = parts[i];
      walked += (walked.empty() ? "" : ".") + key;
      YAML::Node next;
      if (current.IsSequence()) {
        bool found = false;
        for (std::size_t k = 0; k < current.size(); ++k) {
          YAML::Node item = current[k];
          if (item_key(item) == key) {
            next.reset(item);
            found = true;
            break;
          }
        }
        if (!found) {
          diagnostics.error_unlocated(origin + ": no item named '" + key + "' in '" +
                                      walked.substr(0, walked.size() - key.size() - 1) +
                                      "' (items: " + names_of(current) + ")");
          ok = false;
        }
      } else if (current.IsMap() || current.IsNull() || !current.IsDefined()) {
        next.reset(current[key]);
        if (!next.IsDefined() || next.IsNull()) {
          current[key] = YAML::Node(YAML::NodeType::Map);
          next.reset(current[key]);
        }
      } else {
        diagnostics.error_unlocated(origin + ": '" + walked + "' is a single value, not a mapping");
        ok = false;
      }
      if (ok) current.reset(next); // rebinds; operator= would overwrite the node's content
    }
    if (!ok) continue;
    if (current.IsSequence()) {
      diagnostics.error_unlocated(origin + ": '" + o.path +
                                  "' ends inside a list; address an item by its name");
      continue;
    }
    if (current.IsDefined() && !current.IsNull() && !current.IsMap()) {
      diagnostics.error_unlocated(origin + ": '" +
                                  o.path.substr(0, o.path.size() - parts.back().size() - 1) +
                                  "' is a single value, not a mapping");
      continue;
    }

    current[parts.back()] = value;
    diagnostics.add_origin(current[parts.back()], origin);
  }
}

namespace {

class ScenarioReader {
public:
  ScenarioReader(Diagnostics& diagnostics, const Catalog& catalog)
      : d_(diagnostics), catalog_(catalog) {}

  Scenario read(const YAML::Node& root) {
    Scenario s;
    MapReader top(root, "the scenario", d_);
    s.name = top.string("scenario", Need::required).value_or("unnamed");
    if (top.has("scenario"))
      if (auto problem = output_name_problem(s.name))
        d_.error(top.peek("scenario"), "scenario name '" + printable(s.name) + "': " + *problem);
    top.string("description", Need::optional);
    s.seed = static_cast<std::uint64_t>(top.quantity(scenario_parameter::seed));
    s.horizon_s = top.quantity(scenario_parameter::horizon);
    if (auto epoch = top.string("epoch", Need::optional)) {
      double seconds = 0;
      if (!parse_utc_timestamp(*epoch, seconds))
        d_.error(top.peek("epoch"),
                 "epoch must be a UTC time YYYY-MM-DDTHH:MM:SSZ, got '" + printable(*epoch) + "'");
      else
        s.epoch_unix_s = epoch_unix_s_ = seconds;
    }
    if (YAML::Node outputs = top.mapping("outputs", Need::optional); outputs.IsDefined()) {
      MapReader r(outputs, "outputs", d_);
      s.output_interval_s = r.quantity(output_parameter::interval);
      r.finish();
    }
    if (s.horizon_s > 0 && s.horizon_s / s.output_interval_s > max_outputs_rows)
      d_.error(root, "horizon / outputs.interval gives more than 5e6 time-series rows per site; "
                     "raise outputs.interval");
    YAML::Node sites = top.sequence("sites", Need::required);
    YAML::Node clusters = top.sequence("clusters", Need::required);
    YAML::Node jobs = top.sequence("jobs", Need::optional);
    for (const auto& node : sites)
      s.sites.push_back(read_site(node));
    for (const auto& node : clusters)
      s.clusters.push_back(read_cluster(node, s));
    size_orbital_sites(s, clusters, d_);
    if (jobs.IsDefined()) {
      for (const auto& node : jobs) {
        if (is_inference_job(node))
          s.inference.push_back(read_inference_job(node, s, d_, epoch_unix_s_, max_horizon_s));
        else
          s.jobs.push_back(read_job(node, s));
      }
    }
    check_unique(sites, "site");
    check_unique(clusters, "cluster");
    if (jobs.IsDefined()) check_unique(jobs, "job");
    if (sites.IsDefined() && sites.size() == 0) d_.error(sites, "'sites' lists no site");
    if (clusters.IsDefined() && clusters.size() == 0)
      d_.error(clusters, "'clusters' lists no cluster");
    // Sections that refer to sites, clusters and jobs by name come after them.
    read_finance_section(top, d_, s);
    read_sweep_sections(top, d_, s);
    top.finish();
    return s;
  }

private:
  SiteSpec read_site(const YAML::Node& node) {
    SiteSpec site;
    MapReader r(node, "site", d_);
    site.name = r.string("name", Need::required).value_or("?");
    std::string what = "site '" + site.name + "'";
    r.rename(what);
    auto kind = r.one_of("kind", Need::optional, {"terrestrial", "orbital"});
    if (kind == "orbital") {
      site.kind = SiteKind::orbital;
      read_site_orbital(r, what, d_, site.orbital);
    } else {
      read_site_power(r, what, d_, site, max_horizon_s, epoch_unix_s_);
    }
    site.power_policy =
        r.one_of("power_policy", Need::optional, {"cap", "shed"}).value_or("cap") == "shed"
            ? PowerPolicy::shed
            : PowerPolicy::cap;
    site.min_cap_fraction = r.quantity(power_policy_parameter::min_power_cap);
    if (YAML::Node storage = r.mapping("storage", Need::optional); storage.IsDefined()) {
      MapReader st(storage, what + " storage", d_);
      // Required in the block (the table's default is the site's without one).
      site.storage_bytes_per_s =
          st.given(storage_parameter::bandwidth, Need::required).value_or(site.storage_bytes_per_s);
      site.storage_latency_s = st.quantity(storage_parameter::latency);
      st.finish();
    }
    site.capex_usd = r.quantity(site_parameter::capex);
    r.finish();
    return site;
  }

  ClusterSpec read_cluster(const YAML::Node& node, const Scenario& s) {
    ClusterSpec c;
    MapReader r(node, "cluster", d_);
    c.name = r.string("name", Need::required).value_or("?");
    std::string what = "cluster '" + c.name + "'";
    r.rename(what);
    const SiteSpec* site = resolve(r.child("site", Need::required), s.sites, "site", what);
    if (site) c.site = site->name;
    const bool orbital = site && site->kind == SiteKind::orbital;
    read_gpu_and_system(r, what, c);
    read_non_gpu_it(r, node, what, orbital, c);
    c.gpus_per_host = static_cast<int>(
        r.given(cluster_parameter::gpus_per_host).value_or(c.system.gpus > 0 ? c.system.gpus : 8));
    if (orbital)
      read_satellites(r, what, c);
    else if (YAML::Node deliveries = r.sequence("deliveries", Need::required);
             deliveries.IsDefined())
      read_deliveries(deliveries, what, c);
    if (c.total_gpus > max_gpus)
      d_.error(node, what + " totals " + std::to_string(c.total_gpus) +
                         " GPUs, more than capsim's limit of 1e8 per cluster");
    if (YAML::Node lease = r.mapping("lease", Need::optional); lease.IsDefined()) {
      MapReader l(lease, what + " lease", d_);
      c.lease_usd_per_gpu_s = l.quantity(cluster_lease_parameter::rate);
      l.finish();
    }
    read_failures(r, what, orbital, c);
    r.finish();
    return c;
  }

  // `gpu` from the catalogue, and its `system` (the catalogue's default for that GPU unless
  // named).
  void read_gpu_and_system(MapReader& r, const std::string& what, ClusterSpec& c) {
    YAML::Node gpu_node = r.child("gpu", Need::required);
    bool have_gpu = false;
    if (gpu_node.IsDefined() && gpu_node.IsScalar()) {
      if (const GpuSpec* gpu = catalog_.find_gpu(gpu_node.Scalar())) {
        c.gpu = *gpu;
        have_gpu = true;
      } else {
        d_.error(gpu_node, what + ": unknown GPU '" + gpu_node.Scalar() + "' (catalogue " +
                               catalog_.file + " has: " + catalog_.gpu_names() + ")");
      }
    }
    YAML::Node system_node = r.child("system", Need::optional);
    if (!have_gpu) return;
    const SystemSpec* system = nullptr;
    if (system_node.IsDefined() && system_node.IsScalar()) {
      system = catalog_.find_system(system_node.Scalar());
      if (!system)
        d_.error(system_node, what + ": unknown system '" + system_node.Scalar() + "'");
      else if (system->gpu != c.gpu.name) {
        d_.error(system_node, what + ": system '" + system->name + "' holds " + system->gpu +
                                  " GPUs, not " + c.gpu.name);
        system = nullptr;
      }
    } else {
      system = catalog_.default_system(c.gpu.name);
      if (!system) d_.error(gpu_node, what + ": the catalogue has no system for " + c.gpu.name);
    }
    if (system) c.system = *system;
  }

  // Non-GPU IT outside the systems (ground sites only): the system's fabric unless the cluster
  // names another (or none), the catalogue's storage and other IT unless overridden.
  void read_non_gpu_it(MapReader& r, const YAML::Node& node, const std::string& what, bool orbital,
                       ClusterSpec& c) {
    YAML::Node fabric_node = r.child("fabric", Need::optional);
    std::optional<double> storage_per_gpu = r.given(non_gpu_it_parameter::storage_per_gpu);
    std::optional<double> other_it = r.given(non_gpu_it_parameter::other_it_power_per_gpu);
    if (orbital && (fabric_node.IsDefined() || storage_per_gpu || other_it))
      d_.error(fabric_node.IsDefined() ? fabric_node : node,
               what + ": fabric, storage_per_gpu and other_it_power_per_gpu are for ground sites");
    if (orbital) return;
    std::string fabric = c.system.fabric;
    if (fabric_node.IsDefined() && fabric_node.IsScalar()) fabric = fabric_node.Scalar();
    if (fabric != "none" && !fabric.empty()) {
      if (const FabricSpec* f = catalog_.find_fabric(fabric))
        c.non_gpu_it.fabric = *f;
      else
        d_.error(fabric_node.IsDefined() ? fabric_node : node,
                 what + ": unknown fabric '" + fabric + "' (catalogue " + catalog_.file +
                     " has: " + catalog_.fabric_names() + ", or none)");
    }
    c.non_gpu_it.storage_bytes_per_gpu = storage_per_gpu.value_or(catalog_.storage_bytes_per_gpu);
    c.non_gpu_it.storage_w_per_byte = catalog_.storage_w_per_byte;
    c.non_gpu_it.other_w_per_gpu = other_it.value_or(catalog_.other_it_w_per_gpu);
  }

  // At an orbital site GPUs arrive by launch: `satellites` of gpus_per_host GPUs each.
  void read_satellites(MapReader& r, const std::string& what, ClusterSpec& c) {
    c.satellites = static_cast<int>(r.quantity(cluster_parameter::satellites));
    c.gpus_per_satellite = c.gpus_per_host;
    c.total_gpus = static_cast<long long>(c.satellites) * c.gpus_per_satellite;
    if (r.has("deliveries"))
      d_.error(r.child("deliveries", Need::optional),
               what +
                   ": at an orbital site GPUs arrive by launch; give satellites, not deliveries");
  }

  void read_deliveries(const YAML::Node& deliveries, const std::string& what, ClusterSpec& c) {
    for (const auto& item : deliveries) {
      MapReader dr(item, what + " delivery", d_);
      auto at = dr.given(delivery_parameter::at);
      auto gpus = as_count(dr.given(delivery_parameter::gpus));
      dr.finish();
      if (!at || !gpus) continue;
      if (*gpus % c.gpus_per_host != 0)
        d_.error(dr.peek("gpus"), what + ": a delivery of " + std::to_string(*gpus) +
                                      " GPUs is not a whole number of hosts of " +
                                      std::to_string(c.gpus_per_host) + " GPUs");
      if (!c.deliveries.empty() && *at < c.deliveries.back().at_s)
        d_.error(item, what + ": deliveries must be listed in time order");
      c.deliveries.push_back({*at, *gpus});
      c.total_gpus += *gpus;
    }
    if (deliveries.size() == 0) d_.error(deliveries, what + " has no deliveries");
  }

  // models/failure.hpp's parameters; in orbit nothing is repaired unless a repair_time is given.
  void read_failures(MapReader& r, const std::string& what, bool orbital, ClusterSpec& c) {
    c.failure_rate_per_gpu_s = failure_parameter::rate.default_si;
    c.repair_time_s = orbital ? never_s : failure_parameter::repair_time.default_si;
    if (YAML::Node failures = r.mapping("failures", Need::optional); failures.IsDefined()) {
      MapReader f(failures, what + " failures", d_);
      c.failure_rate_per_gpu_s =
          f.given(failure_parameter::rate).value_or(c.failure_rate_per_gpu_s);
      // In orbit a repair_time is a servicing or reboot policy.
      c.repair_time_s = f.given(failure_parameter::repair_time).value_or(c.repair_time_s);
      c.permanent_fraction = f.quantity(failure_parameter::permanent_fraction);
      if (auto profile = f.one_of("profile", Need::optional, {"single", "llama3"});
          profile == "llama3")
        c.failure_causes = llama3_failure_causes(c.failure_rate_per_gpu_s);
      f.finish();
    }
    if (c.failure_causes.empty())
      c.failure_causes = {{.name = "failure",
                           .rate_per_gpu_s = c.failure_rate_per_gpu_s,
                           .kind = FailureKind::hardware}};
  }

  JobSpec read_job(const YAML::Node& node, const Scenario& s) {
    JobSpec j;
    MapReader r(node, "job", d_);
    j.name = r.string("name", Need::required).value_or("?");
    std::string what = "job '" + j.name + "'";
    r.rename(what);
    r.one_of("kind", Need::optional, {"training", "inference"});
    const ClusterSpec* cluster =
        resolve(r.child("cluster", Need::required), s.clusters, "cluster", what);
    if (cluster) j.cluster = cluster->name;
    read_job_gpus(r, what, cluster, j);
    j.start_s = r.quantity(job_parameter::start);
    YAML::Node model_node = r.mapping("model", Need::required);
    if (model_node.IsDefined()) read_job_model(model_node, what, j);
    YAML::Node parallel_node = r.mapping("parallel", Need::optional);
    if (parallel_node.IsDefined()) read_job_parallel(parallel_node, what, j);
    j.priority = static_cast<int>(r.quantity(job_parameter::priority));
    read_recovery(r, what, cluster, j);
    auto mfu = r.given(training_job_parameter::mfu);
    j.mfu = mfu.value_or(training_job_parameter::mfu.default_si);
    j.mfu_source = mfu ? "scenario" : "default";
    if (j.uses_step_model && cluster && cluster->system.gpus > 0)
      apply_step_model(*cluster, model_node, parallel_node, mfu.has_value(), what, j);
    read_checkpoint(r, what, j);
    r.finish();
    return j;
  }

  // `gpus`: the whole cluster by default, a whole number of its hosts.
  void read_job_gpus(MapReader& r, const std::string& what, const ClusterSpec* cluster,
                     JobSpec& j) {
    YAML::Node gpus_node = r.child("gpus", Need::optional);
    auto gpus = as_count(r.given(job_parameter::gpus));
    if (!cluster) return;
    j.gpus = gpus.value_or(cluster->total_gpus);
    if (gpus && *gpus > cluster->total_gpus)
      d_.error(gpus_node, what + " needs " + std::to_string(*gpus) + " GPUs but cluster '" +
                              cluster->name + "' only ever has " +
                              std::to_string(cluster->total_gpus));
    else if (gpus && *gpus % cluster->gpus_per_host != 0)
      d_.error(gpus_node, what + ": " + std::to_string(*gpus) +
                              " GPUs is not a whole number of hosts of " +
                              std::to_string(cluster->gpus_per_host) + " GPUs");
  }

  // `model:`: the architecture (the step model then gives the step time and MFU on the
  // cluster), or only the parameter count; and the tokens to train on.
  void read_job_model(const YAML::Node& model_node, const std::string& what, JobSpec& j) {
    MapReader m(model_node, what + " model", d_);
    j.uses_step_model = m.has("layers");
    if (j.uses_step_model) {
      j.transformer = read_transformer(m);
      const TransformerSpec& t = j.transformer;
      j.parameters = count_parameters(t).total;
      j.global_batch_tokens = static_cast<double>(t.global_batch) * t.seq_len;
    } else {
      j.parameters = m.quantity(job_model_parameter::parameters);
      j.global_batch_tokens = m.quantity(training_job_parameter::batch_tokens);
      j.microbatches = static_cast<int>(m.quantity(training_job_parameter::microbatches));
    }
    // `tokens: backlog`: a job that always has work (a fleet costed by the useful capacity it
    // delivers); it runs until the horizon and never completes.
    if (YAML::Node t = m.peek("tokens"); t.IsScalar() && t.Scalar() == "backlog") {
      m.child("tokens", Need::required);
      j.backlog = true;
      j.tokens = std::numeric_limits<double>::infinity();
    } else {
      j.tokens = m.quantity(job_model_parameter::tokens);
    }
    m.finish();
    j.total_flop = 6 * j.parameters * j.tokens;
  }

  void read_job_parallel(const YAML::Node& parallel, const std::string& what, JobSpec& j) {
    MapReader p(parallel, what + " parallel", d_);
    read_parallel(p, j.parallel);
    p.finish();
    // Without the architecture, only the model-parallel degrees of a data-parallel replica
    // (tp, pp, cp) may be given: they size what each node's links carry in the gradient
    // reduction. The rest is what the step model searches.
    if (!j.uses_step_model &&
        (j.parallel.interleave || j.parallel.expert || j.parallel.microbatch ||
         j.parallel.zero_stage || j.parallel.recompute || j.parallel.sequence_parallel ||
         j.parallel.offload_layers > 0 || j.parallel.fp8_param_gather ||
         j.parallel.bf16_optimizer || j.parallel.cp_comm != CpComm::ring))
      d_.error(parallel, what + ": without the model's architecture (layers, hidden, heads, "
                                "vocab, seq, global_batch) parallel takes only tp, pp and cp");
  }

  // `recovery` after a hardware failure, and `min_gpus` for an elastic job.
  void read_recovery(MapReader& r, const std::string& what, const ClusterSpec* cluster,
                     JobSpec& j) {
    if (auto recovery = r.one_of("recovery", Need::optional, {"spare", "wait", "elastic"}))
      j.recovery = *recovery == "wait"      ? JobSpec::Recovery::wait
                   : *recovery == "elastic" ? JobSpec::Recovery::elastic
                                            : JobSpec::Recovery::spare;
    YAML::Node min_node = r.child("min_gpus", Need::optional);
    j.min_gpus = as_count(r.given(job_parameter::min_gpus)).value_or(j.gpus);
    if (min_node.IsDefined() && j.recovery != JobSpec::Recovery::elastic)
      d_.error(min_node, what + ": min_gpus needs recovery: elastic");
    if (cluster && j.min_gpus > j.gpus)
      d_.error(min_node, what + ": min_gpus is above the job's gpus");
    if (cluster && j.min_gpus % cluster->gpus_per_host != 0)
      d_.error(min_node, what + ": min_gpus is not a whole number of hosts of " +
                             std::to_string(cluster->gpus_per_host) + " GPUs");
  }

  // With the architecture: the fastest configuration that fits (the given degrees fixed), on
  // this cluster's GPUs, gives the step, the MFU (unless the scenario gives one) and the FLOP.
  void apply_step_model(const ClusterSpec& cluster, const YAML::Node& model_node,
                        const YAML::Node& parallel_node, bool mfu_given, const std::string& what,
                        JobSpec& j) {
    const StepHardware hardware = step_hardware_of(cluster.gpu, &cluster.system);
    auto problems = validate(j.transformer);
    for (const auto& problem : problems)
      d_.error(model_node, what + " model: " + problem);
    if (j.transformer.precision == Precision::fp8 && hardware.peak_fp8_flops <= 0) {
      d_.error(model_node, what + " model: precision fp8 needs fp8 tensor cores; " +
                               cluster.gpu.name + " has none");
      problems.push_back("fp8");
    }
    const YAML::Node& where = parallel_node.IsDefined() ? parallel_node : model_node;
    if (j.parallel.fp8_param_gather &&
        (j.transformer.precision != Precision::fp8 || j.parallel.zero_stage == 0)) {
      d_.error(where, what + " parallel: fp8_param_gather needs the model's precision: fp8 and "
                             "zero >= 1 (the distributed optimizer or FSDP gathers the weights)");
      problems.push_back("fp8_param_gather");
    }
    if (j.parallel.offload_layers > 0)
      for (const auto& problem : validate_offload_hardware(hardware)) {
        d_.error(parallel_node.IsDefined() ? parallel_node : model_node,
                 what + " parallel: " + problem);
        problems.push_back(problem);
      }
    if (!problems.empty() || !fixed_degrees_fit(parallel_node, model_node, what, j)) return;
    SearchResult found = search_parallel(j.transformer, static_cast<int>(j.gpus), hardware,
                                         step_efficiency_for(cluster.gpu.name), j.parallel);
    if (!found.found) {
      std::string why = found.closest
                            ? "; closest (" + std::to_string(found.closest->config.tensor) +
                                  " tp, " + std::to_string(found.closest->config.pipeline) +
                                  " pp): " + found.closest->result.message
                            : "";
      d_.error(model_node, what + ": no parallel configuration of this model fits " +
                               std::to_string(j.gpus) + " " + cluster.gpu.name + " GPUs" + why);
      return;
    }
    j.step = found.result;
    j.step_config = found.config;
    if (mfu_given) {
      j.mfu_source = "scenario (overrides the step model's " +
                     std::to_string(found.result.mfu).substr(0, 5) + ")";
    } else {
      j.mfu = found.result.mfu;
      j.mfu_source = "step model";
    }
    // FLOP per token from the step model (attention included), not 6 N.
    j.total_flop = found.result.model_flop / j.global_batch_tokens * j.tokens;
  }

  // Fixed degrees: each must divide what it splits, said before any search. Only problems that
  // involve a degree the scenario fixed are the scenario's.
  bool fixed_degrees_fit(const YAML::Node& parallel_node, const YAML::Node& model_node,
                         const std::string& what, const JobSpec& j) {
    const ParallelConfig fixed{.tensor = j.parallel.tensor.value_or(1),
                               .pipeline = j.parallel.pipeline.value_or(1),
                               .interleave = j.parallel.interleave.value_or(1),
                               .context = j.parallel.context.value_or(1),
                               .expert = j.parallel.expert.value_or(1),
                               .microbatch = j.parallel.microbatch.value_or(1),
                               .sequence_parallel = j.parallel.sequence_parallel.value_or(false) &&
                                                    j.parallel.tensor.value_or(1) > 1,
                               .zero_stage = j.parallel.zero_stage.value_or(0),
                               .recompute = j.parallel.recompute.value_or(Recompute::none),
                               .offload_layers = j.parallel.offload_layers};
    bool fit = true;
    for (const auto& problem : validate(j.transformer, fixed, static_cast<int>(j.gpus))) {
      const bool batch_only = problem.find("global-batch") == 0 && !j.parallel.microbatch;
      const bool interleave_only =
          problem.find("interleaved schedule") != std::string::npos && !j.parallel.interleave;
      if (batch_only || interleave_only) continue;
      d_.error(parallel_node.IsDefined() ? parallel_node : model_node,
               what + " parallel: " + problem);
      fit = false;
    }
    return fit;
  }

  // `checkpoint:`: interval and size `auto` by default (Young/Daly; 14 bytes per parameter),
  // models/checkpoint.hpp's parameters for the rest.
  void read_checkpoint(MapReader& r, const std::string& what, JobSpec& j) {
    j.checkpoint.size_bytes = checkpoint_bytes_per_parameter * j.parameters;
    j.checkpoint.restart_overhead_s = checkpoint_parameter::restart.default_si;
    YAML::Node ckpt = r.mapping("checkpoint", Need::optional);
    if (!ckpt.IsDefined()) return;
    MapReader c(ckpt, what + " checkpoint", d_);
    auto is_auto = [&](const char* key) {
      return c.has(key) && c.peek(key).IsScalar() && c.peek(key).Scalar() == "auto";
    };
    if (is_auto("interval"))
      c.child("interval", Need::optional);
    else
      j.checkpoint.interval_s = c.given(checkpoint_parameter::interval).value_or(0); // 0: auto
    if (is_auto("size"))
      c.child("size", Need::optional);
    else
      j.checkpoint.size_bytes =
          c.given(checkpoint_parameter::size).value_or(j.checkpoint.size_bytes);
    j.checkpoint.restart_overhead_s = c.quantity(checkpoint_parameter::restart);
    j.checkpoint.async = c.boolean("async", Need::optional).value_or(false);
    j.checkpoint.snapshot_bytes_per_s = c.quantity(checkpoint_parameter::snapshot_bandwidth);
    c.finish();
  }

  // The item of `items` named by `node`, or nullptr after a located error naming what exists.
  template <typename Item>
  const Item* resolve(const YAML::Node& node, const std::vector<Item>& items,
                      const std::string& kind, const std::string& what) {
    if (!node.IsDefined() || !node.IsScalar()) return nullptr;
    for (const auto& item : items)
      if (item.name == node.Scalar()) return &item;
    std::string names;
    for (const auto& item : items)
      names += (names.empty() ? "" : ", ") + item.name;
    d_.error(node, what + " refers to unknown " + kind + " '" + node.Scalar() + "' (" + kind +
                       "s: " + (names.empty() ? "none" : names) + ")");
    return nullptr;
  }

  void check_unique(const YAML::Node& list, const std::string& kind) {
    check_unique_names(list, kind, d_);
  }

  Diagnostics& d_;
  const Catalog& catalog_;
  std::optional<double> epoch_unix_s_; // the scenario's t = 0, seconds since 1970 UTC
};

Scenario read_document(YAML::Node root, Diagnostics& diagnostics,
                       const std::vector<Override>& overrides, const Catalog& catalog,
                       const std::string& file) {
  apply_overrides(root, overrides, diagnostics);
  check_utf8(root, diagnostics);
  Scenario scenario;
  try {
    scenario = ScenarioReader(diagnostics, catalog).read(root);
  } catch (const YAML::Exception& e) {
    // A shape no reader expected (a list where a mapping belongs, deep inside a block): still
    // a located input error, never a crash.
    diagnostics.error(e.mark, "unexpected structure: " + e.msg);
  }
  scenario.file = file;
  diagnostics.throw_if_any();
  return scenario;
}

} // namespace

Scenario load_scenario_text(const std::string& text, const std::string& file,
                            const std::vector<Override>& overrides, const Catalog& catalog) {
  Diagnostics diagnostics(file);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    diagnostics.error(e.mark, "YAML syntax: " + e.msg);
    diagnostics.throw_if_any();
  }
  return read_document(root, diagnostics, overrides, catalog, file);
}

Scenario load_scenario(const std::string& path, const std::vector<Override>& overrides,
                       const Catalog& catalog) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    fail_input(path, "is a directory; give a scenario file (e.g. scenarios/quickstart.yaml)");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Diagnostics diagnostics(path);
    diagnostics.error_unlocated("cannot open the scenario file");
    diagnostics.throw_if_any();
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail_input(path, "cannot read the scenario file");
  return load_scenario_text(text.str(), path, overrides, catalog);
}

} // namespace capsim
