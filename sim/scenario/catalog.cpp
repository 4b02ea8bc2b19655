#include "sim/scenario/catalog.hpp"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "sim/scenario/yaml_reader.hpp"

namespace capsim {

const GpuSpec* Catalog::find_gpu(const std::string& name) const {
  for (const auto& entry : gpus) {
    if (entry.spec.name == name) return &entry.spec;
    for (const auto& alias : entry.aliases)
      if (alias == name) return &entry.spec;
  }
  return nullptr;
}

const SystemSpec* Catalog::find_system(const std::string& name) const {
  for (const auto& system : systems)
    if (system.name == name) return &system;
  return nullptr;
}

std::string Catalog::fabric_names() const {
  std::string out;
  for (const auto& fabric : fabrics)
    out += (out.empty() ? "" : ", ") + fabric.name;
  return out;
}

const FabricSpec* Catalog::find_fabric(const std::string& name) const {
  for (const auto& fabric : fabrics)
    if (fabric.name == name) return &fabric;
  return nullptr;
}

const SystemSpec* Catalog::default_system(const std::string& gpu_name) const {
  for (const auto& system : systems)
    if (system.gpu == gpu_name) return &system;
  return nullptr;
}

std::string Catalog::gpu_names() const {
  std::string names;
  for (const auto& entry : gpus)
    names += (names.empty() ? "" : ", ") + entry.spec.name;
  return names;
}

namespace {

bool has_catalogue(const std::filesystem::path& dir) {
  std::error_code ignored;
  return std::filesystem::is_regular_file(dir / "gpus.yaml", ignored);
}

// The directory of this executable (/proc/self/exe), or empty.
std::filesystem::path executable_dir() {
  std::error_code error;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::filesystem::path() : exe.parent_path();
}

} // namespace

std::string config_dir() {
  // An explicit directory wins (an installed capsim can be pointed at another catalogue).
  if (const char* env = std::getenv("CAPSIM_CONFIG_DIR"); env && *env) return env;
  // An installed capsim: PREFIX/bin/capsim reads PREFIX/share/capsim/configs, wherever PREFIX
  // was moved to.
  if (auto bin = executable_dir(); !bin.empty()) {
    auto installed = (bin / ".." / "share" / "capsim" / "configs").lexically_normal();
    if (has_catalogue(installed)) return installed.string();
  }
  // A build tree: the source tree's configs/ (compiled in), unless CAPSIM_NO_SOURCE_TREE is set.
#ifdef CAPSIM_SOURCE_DIR
  const char* no_source = std::getenv("CAPSIM_NO_SOURCE_TREE");
  std::string built_in = std::string(CAPSIM_SOURCE_DIR) + "/configs";
  if (!(no_source && *no_source) && has_catalogue(built_in)) return built_in;
#endif
  return "configs";
}

static PowerCapCurve read_power_cap_curve(const YAML::Node& node, const std::string& what,
                                          Diagnostics& diagnostics) {
  PowerCapCurve curve;
  MapReader reader(node, what, diagnostics);
  reader.string("source", Need::optional);
  YAML::Node points = reader.sequence("points", Need::required);
  reader.finish();
  if (!points.IsDefined()) return curve;
  for (const auto& point : points) {
    if (!point.IsSequence() || point.size() != 3) {
      diagnostics.error(point, "a power-cap point must be [cap fraction, performance fraction, "
                               "measured|assumed]");
      continue;
    }
    auto cap = read_quantity(point[0], Dimension::dimensionless, "cap fraction", diagnostics);
    auto perf =
        read_quantity(point[1], Dimension::dimensionless, "performance fraction", diagnostics);
    std::string kind = point[2].IsScalar() ? point[2].Scalar() : "";
    if (kind != "measured" && kind != "assumed")
      diagnostics.error(point[2], "the third entry of a power-cap point must be 'measured' or "
                                  "'assumed'");
    if (cap && perf) curve.points.push_back({*cap, *perf, kind == "measured"});
  }
  return curve;
}

static void read_fabrics(const YAML::Node& fabrics, Catalog& catalog, Diagnostics& diagnostics) {
  for (const auto& node : fabrics) {
    MapReader r(node, "fabric entry", diagnostics);
    FabricSpec fabric;
    fabric.name = r.string("name", Need::required).value_or("?");
    r.string("switch", Need::required);
    fabric.source = r.string("source", Need::required).value_or("");
    fabric.radix = static_cast<int>(r.integer("radix", Need::required, 2, 100000).value_or(2));
    fabric.switch_power_w =
        r.quantity_in("switch_power", Dimension::power, Need::required, 0, 1e6).value_or(0);
    r.finish();
    if (fabric.radix % 2 != 0)
      diagnostics.error(node, "fabric '" + fabric.name + "': radix must be even");
    if (catalog.find_fabric(fabric.name))
      diagnostics.error(node, "fabric '" + fabric.name + "' is listed twice");
    catalog.fabrics.push_back(std::move(fabric));
  }
}

static void read_non_gpu_it(const YAML::Node& non_gpu, Catalog& catalog, Diagnostics& diagnostics) {
  MapReader r(non_gpu, "non_gpu_it", diagnostics);
  r.string("source", Need::required);
  catalog.storage_bytes_per_gpu =
      r.quantity_in("storage_per_gpu", Dimension::data, Need::required, 0, 1e18).value_or(0);
  catalog.storage_w_per_byte =
      r.quantity_in("storage_power_per_pb", Dimension::power, Need::required, 0, 1e9).value_or(0) /
      1e15;
  catalog.other_it_w_per_gpu =
      r.quantity_in("other_power_per_gpu", Dimension::power, Need::required, 0, 1e6).value_or(0);
  r.finish();
}

static void read_gpus(const YAML::Node& gpus, Catalog& catalog, Diagnostics& diagnostics) {
  for (const auto& node : gpus) {
    MapReader r(node, "GPU entry", diagnostics);
    GpuEntry entry;
    entry.spec.name = r.string("name", Need::required).value_or("?");
    std::string what = "GPU '" + entry.spec.name + "'";
    if (YAML::Node aliases = r.sequence("aliases", Need::optional); aliases.IsDefined())
      for (const auto& alias : aliases)
        if (alias.IsScalar()) entry.aliases.push_back(alias.Scalar());
    entry.spec.source = r.string("source", Need::required).value_or("");
    entry.spec.tdp_w = r.quantity("tdp", Dimension::power, Need::required).value_or(0);
    entry.spec.bf16_dense_flops =
        r.quantity("bf16_dense", Dimension::flop_rate, Need::required).value_or(0);
    entry.spec.fp8_dense_flops =
        r.quantity("fp8_dense", Dimension::flop_rate, Need::optional).value_or(0);
    entry.spec.hbm_bytes = r.quantity("hbm", Dimension::data, Need::required).value_or(0);
    entry.spec.hbm_bytes_per_s =
        r.quantity("hbm_bandwidth", Dimension::data_rate, Need::required).value_or(0);
    entry.spec.nvlink_bytes_per_s =
        r.quantity("nvlink_bandwidth", Dimension::data_rate, Need::required).value_or(0);
    entry.spec.nvlink_domain =
        static_cast<int>(r.integer("nvlink_domain", Need::required, 1, 100000).value_or(1));
    entry.spec.price_usd = r.quantity("price", Dimension::money, Need::optional).value_or(0);
    YAML::Node curve = r.mapping("power_cap_curve", Need::required);
    if (curve.IsDefined())
      entry.spec.power_cap = read_power_cap_curve(curve, what + " power_cap_curve", diagnostics);
    r.finish();
    if (r.valid()) diagnostics.errors(node, what + ": ", validate(entry.spec));
    if (catalog.find_gpu(entry.spec.name))
      diagnostics.error(node, "GPU '" + entry.spec.name + "' is listed twice");
    catalog.gpus.push_back(std::move(entry));
  }
}

static void read_systems(const YAML::Node& systems, Catalog& catalog, Diagnostics& diagnostics) {
  for (const auto& node : systems) {
    MapReader r(node, "system entry", diagnostics);
    SystemSpec system;
    system.name = r.string("name", Need::required).value_or("?");
    system.gpu = r.string("gpu", Need::required).value_or("");
    system.gpus = static_cast<int>(r.integer("gpus", Need::required, 1, 100000).value_or(1));
    system.source = r.string("source", Need::required).value_or("");
    system.power_max_w = r.quantity("power_max", Dimension::power, Need::required).value_or(0);
    system.power_typical_w =
        r.quantity("power_typical", Dimension::power, Need::required).value_or(0);
    system.power_idle_w = r.quantity("power_idle", Dimension::power, Need::required).value_or(0);
    system.mass_kg = r.quantity("mass", Dimension::mass, Need::optional).value_or(0);
    system.price_usd = r.quantity("price", Dimension::money, Need::optional).value_or(0);
    system.scale_out_bytes_per_s_per_gpu =
        r.quantity("scale_out_bandwidth_per_gpu", Dimension::data_rate, Need::required).value_or(0);
    system.host_link_bytes_per_s_per_gpu =
        r.quantity("host_link_bandwidth_per_gpu", Dimension::data_rate, Need::optional).value_or(0);
    system.host_memory_bytes_per_gpu =
        r.quantity("host_memory_per_gpu", Dimension::data, Need::optional).value_or(0);
    YAML::Node fabric_node = r.child("fabric", Need::optional);
    if (fabric_node.IsDefined() && fabric_node.IsScalar()) {
      system.fabric = fabric_node.Scalar();
      if (!catalog.find_fabric(system.fabric))
        diagnostics.error(fabric_node,
                          "system '" + system.name + "': unknown fabric '" + system.fabric + "'");
    }
    r.finish();
    std::string what = "system '" + system.name + "': ";
    if (r.valid()) diagnostics.errors(node, what, validate(system));
    if (const GpuSpec* gpu = catalog.find_gpu(system.gpu))
      diagnostics.errors(node, what, validate(system, *gpu));
    else if (r.valid())
      diagnostics.error(node,
                        what + "unknown GPU '" + system.gpu + "'; known: " + catalog.gpu_names());
    catalog.systems.push_back(std::move(system));
  }
}

Catalog load_catalog(const std::string& path) {
  Diagnostics diagnostics(path);
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    diagnostics.error_unlocated(
        "cannot open the GPU catalogue (give its directory with CAPSIM_CONFIG_DIR, or "
        "install capsim: PREFIX/share/capsim/configs)");
    diagnostics.throw_if_any();
  } catch (const YAML::ParserException& e) {
    diagnostics.error(e.mark, "YAML syntax: " + e.msg);
    diagnostics.throw_if_any();
  }
  Catalog catalog;
  catalog.file = path;
  MapReader top(root, "the GPU catalogue", diagnostics);
  YAML::Node gpus = top.sequence("gpus", Need::required);
  YAML::Node systems = top.sequence("systems", Need::required);
  YAML::Node fabrics = top.sequence("fabrics", Need::optional);
  YAML::Node non_gpu = top.mapping("non_gpu_it", Need::optional);
  top.finish();
  read_fabrics(fabrics, catalog, diagnostics);
  if (non_gpu.IsDefined()) read_non_gpu_it(non_gpu, catalog, diagnostics);
  read_gpus(gpus, catalog, diagnostics);
  read_systems(systems, catalog, diagnostics);
  diagnostics.throw_if_any();
  return catalog;
}

StepHardware step_hardware_from_catalog(const std::string& gpu_name) {
  const Catalog& catalog = default_catalog();
  const GpuSpec* gpu = catalog.find_gpu(gpu_name);
  if (!gpu)
    throw std::invalid_argument("unknown GPU '" + gpu_name + "'; known: " + catalog.gpu_names());
  return step_hardware_of(*gpu, catalog.default_system(gpu->name));
}

StepHardware step_hardware_of(const GpuSpec& gpu, const SystemSpec* system) {
  return StepHardware{.name = gpu.name,
                      .peak_flops = gpu.bf16_dense_flops,
                      .peak_fp8_flops = gpu.fp8_dense_flops,
                      .hbm_bytes = gpu.hbm_bytes,
                      .hbm_bytes_per_s = gpu.hbm_bytes_per_s,
                      .nvlink_bytes_per_s = gpu.nvlink_bytes_per_s,
                      .nvlink_domain = gpu.nvlink_domain,
                      .scale_out_bytes_per_s = system ? system->scale_out_bytes_per_s_per_gpu : 0,
                      .host_link_bytes_per_s = system ? system->host_link_bytes_per_s_per_gpu : 0,
                      .host_memory_bytes = system ? system->host_memory_bytes_per_gpu : 0};
}

const Catalog& default_catalog() {
  static const Catalog catalog = load_catalog(config_dir() + "/gpus.yaml");
  return catalog;
}

} // namespace capsim
