#include "sim/cli/step_command.hpp"

#include "sim/scenario/diagnostics.hpp"
#include "sim/scenario/model_reader.hpp"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

namespace capsim::cli {

namespace {

// Where a flag's value goes: the model block (architecture keys), the parallel block (degrees),
// the options (gpu, gpus) or the command line only (top, search, json).
enum class Place { model, parallel, option, command_line };

struct Key {
  const char* name; // the flag's name; its --config key is the same with '_' for '-'
  enum Kind { integer, text, flag } kind;
  Place place;
  const char* help;
};

// Flags, and with underscores the keys of --config files: the keys of a scenario job's
// model: and parallel: blocks (sim/scenario/model_reader), read by the same reader.
constexpr Key kKeys[] = {
    {"gpu", Key::text, Place::option, "GPU model from the catalogue (e.g. A100)"},
    {"gpus", Key::integer, Place::option, "number of GPUs"},
    {"software", Key::text, Place::option,
     "software release whose fitted efficiencies to use, a NeMo container tag such as "
     "nemo-25.11 (default: the latest release fitted for the GPU's generation)"},
    {"layers", Key::integer, Place::model, "transformer layers L"},
    {"hidden", Key::integer, Place::model, "hidden size h"},
    {"ffn", Key::integer, Place::model, "feed-forward size F per expert (default 4h)"},
    {"heads", Key::integer, Place::model, "attention heads A"},
    {"kv-heads", Key::integer, Place::model,
     "key/value heads K for grouped-query attention (default A)"},
    {"vocab", Key::integer, Place::model, "vocabulary size V"},
    {"seq", Key::integer, Place::model, "sequence length s (tokens)"},
    {"global-batch", Key::integer, Place::model, "global batch B (sequences per step)"},
    {"microbatch", Key::integer, Place::parallel, "microbatch m (sequences); omitted: choose"},
    {"tp", Key::integer, Place::parallel, "tensor parallel degree; omitted: choose"},
    {"pp", Key::integer, Place::parallel, "pipeline parallel degree; omitted: choose"},
    {"cp", Key::integer, Place::parallel, "context parallel degree; omitted: choose"},
    {"ep", Key::integer, Place::parallel, "expert parallel degree; omitted: choose"},
    {"interleave", Key::integer, Place::parallel, "pipeline chunks per GPU v; omitted: choose"},
    {"recompute", Key::text, Place::parallel,
     "activation recomputation none|selective|full; omitted: choose"},
    {"sequence-parallel", Key::flag, Place::parallel,
     "sequence parallelism (with tp > 1); omitted: choose"},
    {"zero", Key::integer, Place::parallel, "ZeRO stage 0|1|2|3; omitted: choose"},
    {"offload-layers", Key::integer, Place::parallel,
     "activation offload to host memory: the first N layers' activations (Megatron-Core "
     "cpu_offloading; pp 1, no recomputation; default 0, not searched)"},
    {"fp8-param-gather", Key::flag, Place::parallel,
     "all-gather the weights in fp8 with the distributed optimizer or FSDP (Megatron-Core "
     "fp8_param_gather, as NeMo's fp8 recipes do; needs precision fp8; default off, not "
     "searched)"},
    {"cp-comm", Key::text, Place::parallel,
     "context parallelism's key/value exchange ring|all_gather: a ring overlapped with "
     "attention (Megatron-Core cp_comm_type p2p, default) or an all-gather before it and a "
     "reduce-scatter of the gradients after it, exposed (the Llama 3 paper's method); not "
     "searched"},
    {"bf16-optimizer", Key::flag, Place::parallel,
     "Adam's states (master weights, both moments) in bf16: 6 bytes per parameter instead of "
     "12 (Apex DistributedFusedAdam dtype bf16, as NeMo's Nemotron-4 340B recipes; default off, "
     "not searched)"},
    {"experts", Key::integer, Place::model, "experts per MoE layer (1 = dense)"},
    {"top-k", Key::integer, Place::model, "experts per token (MoE)"},
    {"gated-ffn", Key::flag, Place::model,
     "gated feed-forward (SwiGLU: three matrices instead of two)"},
    {"dropout", Key::flag, Place::model,
     "dropout after attention and MLP (GPT-3 era; its masks are stored activations)"},
    {"attention", Key::text, Place::model,
     "attention kernel fused|unfused (default fused: FlashAttention-2/3; unfused for old stacks)"},
    {"precision", Key::text, Place::model,
     "precision of the linear layers' GEMMs bf16|fp8 (default bf16)"},
    {"top", Key::integer, Place::command_line,
     "with a search, also list the next N fastest layouts (default 4)"},
    {"search", Key::flag, Place::command_line,
     "search the fastest configuration that fits, even if all degrees are given"},
    {"json", Key::flag, Place::command_line, "print JSON"},
};

struct StepOptions {
  std::map<std::string, std::string> cli_text;
  std::map<std::string, bool> cli_flag;
  std::map<std::string, CLI::Option*> cli_option;
  std::string config_path;
};

std::string key_of(const std::string& flag) {
  std::string key = flag;
  for (char& c : key)
    if (c == '-') c = '_';
  return key;
}

std::string mark_text(const std::string& file, const YAML::Mark& mark) {
  return file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

// Config files written before the keys were shared with scenarios: dashed keys (kv-heads) and
// degrees at the top level (tp: 8) are still read, each with a deprecation warning, as the
// scenario's spelling (kv_heads; parallel: {tp: 8}).
YAML::Node modernise(const YAML::Node& root, const std::string& file) {
  YAML::Node out(YAML::NodeType::Map);
  YAML::Node moved(YAML::NodeType::Map);
  YAML::Node parallel;
  bool has_parallel = false;
  for (const auto& entry : root) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
    const Key* old = nullptr;
    for (const Key& k : kKeys)
      if (key == k.name && k.place != Place::command_line && k.place != Place::option &&
          (key != key_of(key) || k.place == Place::parallel))
        old = &k;
    if (!old) {
      if (key == "parallel") {
        parallel = entry.second;
        has_parallel = true;
      }
      out.force_insert(entry.first, entry.second);
      continue;
    }
    const std::string now = key_of(key);
    const bool to_parallel = old->place == Place::parallel;
    std::cerr << mark_text(file, entry.first.Mark()) << ": warning: '" << key
              << "' is deprecated here; write '"
              << (to_parallel ? "parallel: {" + now + ": ...}" : now)
              << "' (the key of a scenario job's " << (to_parallel ? "parallel" : "model")
              << " block)\n";
    if (to_parallel)
      moved[now] = entry.second;
    else
      out[now] = entry.second;
  }
  if (moved.size() > 0) {
    if (has_parallel && parallel.IsMap()) {
      for (const auto& entry : moved)
        parallel[entry.first.Scalar()] = entry.second;
    } else if (!has_parallel) {
      out["parallel"] = moved;
    }
  }
  return out;
}

std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string with_unit(double value, const char* unit, int decimals) {
  return fixed(value, decimals) + " " + unit;
}

std::string seconds(double s) {
  if (s >= 1) return with_unit(s, "s", 3);
  return with_unit(s * 1e3, "ms", 2);
}

std::string config_line(const ParallelConfig& c, const StepResult& r) {
  return "tp " + std::to_string(c.tensor) + ", pp " + std::to_string(c.pipeline) + ", interleave " +
         std::to_string(c.interleave) + ", cp " + std::to_string(c.context) + ", ep " +
         std::to_string(c.expert) + ", dp " + std::to_string(r.data_parallel) + ", microbatch " +
         std::to_string(c.microbatch) + " (" + std::to_string(r.microbatches) +
         " per replica per step), sequence parallel " + (c.sequence_parallel ? "on" : "off") +
         ", ZeRO " + std::to_string(c.zero_stage) +
         (c.zero_stage >= 1 ? " (distributed optimizer)" : "") + ", recompute " +
         to_string(c.recompute) +
         (c.offload_layers > 0
              ? ", activations of " + std::to_string(c.offload_layers) + " layers offloaded"
              : "") +
         (c.fp8_param_gather ? ", weights gathered in fp8" : "") +
         (c.bf16_optimizer ? ", optimizer states in bf16" : "") +
         (c.context > 1 && c.cp_comm == CpComm::all_gather ? ", CP by all-gather" : "");
}

void print_text(std::ostream& out, const TransformerSpec& model, int gpus, const StepHardware& hw,
                const StepEfficiency& eff, const ParallelConfig& cfg, const StepResult& r) {
  const ParameterCount n = count_parameters(model);
  out << "model          " << fixed(n.total / 1e9, 2) << " B parameters";
  if (model.experts > 1) out << " (" << fixed(n.active / 1e9, 2) << " B active)";
  out << ", " << model.layers << " layers, hidden " << model.hidden << ", seq " << model.seq_len
      << ", global batch " << model.global_batch << "\n";
  out << "hardware       " << gpus << " x " << hw.name << " (" << eff.generation
      << " efficiencies, " << (eff.software.empty() ? std::string("all releases") : eff.software)
      << "), attention " << to_string(model.attention) << ", " << to_string(model.precision)
      << "\n";
  out << "configuration  " << config_line(cfg, r) << "\n";
  const TimeBreakdown& t = r.time;
  out << "step time      " << seconds(r.step_time_s) << "\n";
  auto row = [&](const char* name, double value_s, const std::string& note = "") {
    out << "  " << name << std::string(std::max<size_t>(1, 16 - std::string(name).size()), ' ')
        << seconds(value_s) << note << "\n";
  };
  row("compute", t.compute_s);
  row("recompute", t.recompute_s);
  row("TP comm", t.tp_comm_s, " exposed of " + seconds(t.tp_comm_total_s));
  row("CP comm", t.cp_comm_s, " exposed of " + seconds(t.cp_comm_total_s));
  row("EP comm", t.ep_comm_s);
  row("PP comm", t.pp_comm_s);
  row("bubble", t.bubble_s);
  row("DP comm", t.dp_comm_s, " exposed of " + seconds(t.dp_comm_total_s));
  row("optimizer", t.optimizer_s);
  if (cfg.offload_layers > 0)
    row("offload", t.offload_s, " exposed of " + seconds(t.offload_total_s) + " host copies");
  out << "throughput     " << fixed(r.tokens_per_s, 0) << " tokens/s\n";
  out << "model FLOP/s   " << with_unit(r.model_flops_per_gpu / 1e12, "TFLOP/s", 1)
      << " per GPU, MFU " << fixed(100 * r.mfu, 1)
      << " % (causal attention FLOP; counting s^2 in full: "
      << fixed(100 * r.mfu * r.model_flop_noncausal / r.model_flop, 1) << " %)\n";
  out << "hw FLOP/s       " << with_unit(r.hardware_flops_per_gpu / 1e12, "TFLOP/s", 1)
      << " per GPU, with recomputation\n";
  const MemoryBreakdown& m = r.memory;
  out << "stages         " << r.stages.first_layers << " layers first, " << r.stages.last_layers
      << " last, " << r.stages.max_layers << " most; slowest stage " << r.stages.slowest << " ("
      << seconds(r.stages.slowest_s) << " per microbatch)\n";
  out << "memory/GPU     " << with_unit(m.total_bytes / 1e9, "GB", 1) << " of "
      << with_unit(m.usable_bytes / 1e9, "GB", 1) << " usable (" << fixed(hw.hbm_bytes / 1e9, 0)
      << " GB HBM less " << fixed(eff.runtime_reserve_bytes / 1e9, 1) << " GB runtime reserve and "
      << fixed(100 * eff.fragmentation_fraction, 0) << " % fragmentation), pipeline stage "
      << m.stage << "\n";
  out << "  weights       " << with_unit(m.weights_bytes / 1e9, "GB", 1) << "\n";
  out << "  gradients     " << with_unit(m.gradients_bytes / 1e9, "GB", 1) << "\n";
  out << "  optimizer     " << with_unit(m.optimizer_bytes / 1e9, "GB", 1) << "\n";
  out << "  activations   " << with_unit(m.activations_bytes / 1e9, "GB", 1) << "\n";
  if (cfg.offload_layers > 0)
    out << "host memory    " << with_unit(m.host_bytes / 1e9, "GB", 1)
        << " of offloaded activations per GPU, of " << with_unit(m.host_usable_bytes / 1e9, "GB", 1)
        << " (host link " << with_unit(hw.host_link_bytes_per_s / 1e9, "GB/s", 0)
        << " per direction, " << fixed(100 * eff.host_link_fraction, 0) << " % usable)\n";
  out << "fits           " << (r.fits ? "yes" : "NO: " + r.message) << "\n";
}

nlohmann::ordered_json model_json(const TransformerSpec& model) {
  const ParameterCount n = count_parameters(model);
  return {{"layers", model.layers},
          {"hidden", model.hidden},
          {"ffn", model.ffn},
          {"heads", model.heads},
          {"kv_heads", model.kv_heads},
          {"vocab", model.vocab},
          {"seq", model.seq_len},
          {"global_batch", model.global_batch},
          {"experts", model.experts},
          {"top_k", model.top_k},
          {"attention", to_string(model.attention)},
          {"precision", to_string(model.precision)},
          {"parameters", n.total},
          {"active_parameters", n.active}};
}

nlohmann::ordered_json config_json(const ParallelConfig& cfg, const StepResult& r) {
  return {{"tp", cfg.tensor},
          {"pp", cfg.pipeline},
          {"interleave", cfg.interleave},
          {"cp", cfg.context},
          {"ep", cfg.expert},
          {"dp", r.data_parallel},
          {"microbatch", cfg.microbatch},
          {"microbatches", r.microbatches},
          {"sequence_parallel", cfg.sequence_parallel},
          {"zero", cfg.zero_stage},
          {"recompute", to_string(cfg.recompute)},
          {"offload_layers", cfg.offload_layers},
          {"fp8_param_gather", cfg.fp8_param_gather},
          {"bf16_optimizer", cfg.bf16_optimizer},
          {"cp_comm", to_string(cfg.cp_comm)}};
}

nlohmann::ordered_json breakdown_json(const TimeBreakdown& t) {
  return {{"compute_s", t.compute_s},
          {"recompute_s", t.recompute_s},
          {"tp_comm_exposed_s", t.tp_comm_s},
          {"tp_comm_total_s", t.tp_comm_total_s},
          {"cp_comm_exposed_s", t.cp_comm_s},
          {"cp_comm_total_s", t.cp_comm_total_s},
          {"ep_comm_s", t.ep_comm_s},
          {"pp_comm_s", t.pp_comm_s},
          {"bubble_s", t.bubble_s},
          {"dp_comm_exposed_s", t.dp_comm_s},
          {"dp_comm_total_s", t.dp_comm_total_s},
          {"optimizer_s", t.optimizer_s},
          {"offload_exposed_s", t.offload_s},
          {"offload_total_s", t.offload_total_s}};
}

nlohmann::ordered_json to_json(const TransformerSpec& model, int gpus, const StepHardware& hw,
                               const ParallelConfig& cfg, const StepResult& r) {
  nlohmann::ordered_json j;
  j["gpu"] = hw.name;
  j["gpus"] = gpus;
  j["model"] = model_json(model);
  j["config"] = config_json(cfg, r);
  j["step_time_s"] = r.step_time_s;
  j["mfu"] = r.mfu;
  j["mfu_noncausal"] = r.mfu * r.model_flop_noncausal / r.model_flop;
  j["tflops_per_gpu"] = r.model_flops_per_gpu / 1e12;
  j["hardware_tflops_per_gpu"] = r.hardware_flops_per_gpu / 1e12;
  j["tokens_per_s"] = r.tokens_per_s;
  j["model_flop_per_step"] = r.model_flop;
  j["model_flop_per_step_noncausal"] = r.model_flop_noncausal;
  j["hardware_flop_per_step"] = r.hardware_flop;
  j["memory_per_gpu_bytes"] = r.memory.total_bytes;
  j["fits"] = r.fits;
  j["message"] = r.message;
  j["breakdown"] = breakdown_json(r.time);
  j["stages"] = {{"first_layers", r.stages.first_layers},
                 {"last_layers", r.stages.last_layers},
                 {"max_layers", r.stages.max_layers},
                 {"slowest", r.stages.slowest},
                 {"slowest_s", r.stages.slowest_s}};
  j["memory"] = {{"weights_bytes", r.memory.weights_bytes},
                 {"gradients_bytes", r.memory.gradients_bytes},
                 {"optimizer_bytes", r.memory.optimizer_bytes},
                 {"activations_bytes", r.memory.activations_bytes},
                 {"total_bytes", r.memory.total_bytes},
                 {"usable_bytes", r.memory.usable_bytes},
                 {"stage", r.memory.stage},
                 {"hbm_bytes", hw.hbm_bytes},
                 {"host_bytes", r.memory.host_bytes},
                 {"host_usable_bytes", r.memory.host_usable_bytes}};
  return j;
}

std::string none_fits_message(const SearchResult& searched, const StepHardware& hw) {
  std::string text = "none of the " + std::to_string(searched.configs_evaluated) +
                     " valid configurations fits in " + fixed(hw.hbm_bytes / 1e9, 0) + " GB HBM";
  if (searched.closest)
    text += "; the closest (" + config_line(searched.closest->config, searched.closest->result) +
            ") needs " + searched.closest->result.message;
  return text;
}

// Problems of a consistent input (degrees that do not divide, a GPU without fp8, ...), printed
// as "capsim step: error: ...".
int report_errors(const std::vector<std::string>& problems) {
  for (const auto& e : problems)
    std::cerr << "capsim step: error: " << e << "\n";
  return 2;
}

int report(const Diagnostics& d) {
  try {
    d.throw_if_any();
  } catch (const InputError& e) {
    std::cerr << e.what();
    if (std::string(e.what()).back() != '\n') std::cerr << "\n";
  }
  return 2;
}

// What the step command was asked, read and located.
struct StepInputs {
  TransformerSpec model;
  int gpus = 0;
  StepHardware hw;
  std::string software; // empty: the latest release fitted for the GPU's generation
  SearchSpace space;
  int top = 4;
  bool force_search = false;
  bool json = false;
};

// The --config file as one mapping in the scenario's spelling, or nothing once its error is
// printed.
std::optional<YAML::Node> read_config_file(const std::string& path, Diagnostics& d) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    std::cerr << "capsim step: error: cannot read config file '" << path << "'\n";
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    d.error(e.mark, e.msg);
    report(d);
    return std::nullopt;
  }
  if (!root.IsMap()) {
    d.error(root, "expected a mapping of step options (e.g. 'layers: 96')");
    report(d);
    return std::nullopt;
  }
  return modernise(root, path);
}

// Each flag given, over its key of the mapping (the degrees into its parallel block).
void apply_flags(const StepOptions& options, YAML::Node& root, Diagnostics& d) {
  for (const Key& k : kKeys) {
    const CLI::Option* option = options.cli_option.at(k.name);
    if (option->count() == 0 || k.place == Place::command_line) continue;
    YAML::Node value(k.kind == Key::flag ? (options.cli_flag.at(k.name) ? "true" : "false")
                                         : options.cli_text.at(k.name));
    if (k.place == Place::parallel) {
      if (!root["parallel"].IsDefined() || !root["parallel"].IsMap())
        root["parallel"] = YAML::Node(YAML::NodeType::Map);
      root["parallel"][key_of(k.name)] = value;
    } else {
      root[key_of(k.name)] = value;
    }
    d.add_origin(value, std::string("--") + k.name);
  }
}

// The options as one mapping (the --config file's, then each flag given over its key), read by
// the scenario's model reader; nothing once the errors are printed.
std::optional<StepInputs>
read_inputs(const StepOptions& options,
            const std::function<StepHardware(const std::string&)>& lookup) {
  const bool from_file = !options.config_path.empty();
  Diagnostics d(from_file ? options.config_path : "capsim step");
  YAML::Node root(YAML::NodeType::Map);
  if (from_file) {
    std::optional<YAML::Node> file = read_config_file(options.config_path, d);
    if (!file) return std::nullopt;
    root = *file;
  }
  apply_flags(options, root, d);

  StepInputs inputs;
  MapReader in(root, "the step options (flags or --config keys)", d);
  const std::optional<std::string> gpu = in.string("gpu", Need::required);
  inputs.gpus = static_cast<int>(in.integer("gpus", Need::required, 1, 1'000'000'000).value_or(0));
  const std::optional<std::string> software = in.string("software", Need::optional);
  if (software && !valid_software_name(*software))
    d.error(root["software"], "software must be a NeMo container tag nemo-YY.MM or "
                              "nemo-YY.MM.PP (e.g. nemo-25.11), got '" +
                                  *software + "'");
  inputs.software = software.value_or("");
  inputs.model = read_transformer(in);
  // A scenario's model block also says how many tokens to train on; one step does not need it.
  in.quantity_in("tokens", Dimension::dimensionless, Need::optional, 1, 1e18);
  if (YAML::Node parallel = in.mapping("parallel", Need::optional); parallel.IsDefined()) {
    MapReader p(parallel, "parallel", d);
    read_parallel(p, inputs.space);
    p.finish();
  }
  in.finish();
  if (gpu) {
    try {
      inputs.hw = lookup(*gpu);
    } catch (const std::invalid_argument& e) {
      d.error(root["gpu"], e.what());
    }
  }
  if (options.cli_option.at("top")->count())
    inputs.top = std::atoi(options.cli_text.at("top").c_str());
  inputs.force_search = options.cli_flag.at("search");
  inputs.json = options.cli_flag.at("json");
  if (!d.ok()) {
    report(d);
    return std::nullopt;
  }
  return inputs;
}

// Problems of the model, the GPU and the options taken alone.
std::vector<std::string> input_problems(const StepInputs& in) {
  std::vector<std::string> problems = validate(in.model);
  for (const auto& p : validate(in.hw))
    problems.push_back("GPU '" + in.hw.name + "': " + p);
  if (in.top < 0) problems.push_back("top must be >= 0, got " + std::to_string(in.top));
  if (in.space.fp8_param_gather && in.model.precision != Precision::fp8)
    problems.push_back("fp8-param-gather needs precision fp8, got precision " +
                       std::string(to_string(in.model.precision)));
  if (in.model.precision == Precision::fp8 && in.hw.peak_fp8_flops <= 0 && problems.empty())
    problems.push_back("precision fp8 needs fp8 tensor cores; " + in.hw.name + " has none");
  return problems;
}

// When the search found no valid configuration: which given degree does not divide what.
std::vector<std::string> nothing_valid_problems(const StepInputs& in) {
  std::vector<std::string> problems = validate(in.model, given_degrees(in.space), in.gpus);
  if (problems.empty())
    problems.push_back("no valid parallel configuration: the given degrees leave no data-parallel "
                       "degree and microbatch that divide global-batch (" +
                       std::to_string(in.model.global_batch) + ")");
  return problems;
}

// The step estimated: of the given configuration, or of the search's fastest (with the search).
struct Estimate {
  ParallelConfig cfg;
  StepResult result;
  std::optional<SearchResult> searched;
  double search_s = 0;
  bool none_fits() const { return searched && !searched->found; }
};

// Processor time too: on a shared machine the wall-clock rate falls with the load, the rate per
// CPU second does not (the search is single-threaded).
void print_search_rate(const SearchResult& searched, double search_s, double cpu_s) {
  std::cerr << "capsim step: searched " << searched.configs_evaluated << " configurations ("
            << searched.configs_fitting << " fit) in " << seconds(search_s) << ", "
            << fixed(searched.configs_evaluated / std::max(search_s, 1e-9), 0) << " configs/s; "
            << seconds(cpu_s) << " of CPU, "
            << fixed(searched.configs_evaluated / std::max(cpu_s, 1e-9), 0)
            << " configs per CPU second\n";
}

// The step of the given configuration, or of the fastest one that fits; nothing once the
// problems are printed.
std::optional<Estimate> estimate(const StepInputs& in, const StepEfficiency& eff) {
  Estimate e;
  if (const std::optional<ParallelConfig> given = fully_given_config(in.space);
      given && !in.force_search) {
    if (const auto problems = validate(in.model, *given, in.gpus); !problems.empty()) {
      report_errors(problems);
      return std::nullopt;
    }
    e.cfg = *given;
    e.result = estimate_step(in.model, e.cfg, in.gpus, in.hw, eff);
    return e;
  }
  if (const auto problems = validate(in.space); !problems.empty()) {
    report_errors(problems);
    return std::nullopt;
  }
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  e.searched = search_parallel(in.model, in.gpus, in.hw, eff, in.space, in.top);
  e.search_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  print_search_rate(*e.searched, e.search_s,
                    static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC);
  if (e.searched->configs_evaluated == 0) {
    report_errors(nothing_valid_problems(in));
    return std::nullopt;
  }
  e.cfg = e.searched->config;
  e.result = e.searched->result;
  return e;
}

nlohmann::ordered_json estimate_json(const StepInputs& in, const StepEfficiency& eff,
                                     const Estimate& e) {
  nlohmann::ordered_json j;
  if (e.none_fits()) {
    j["gpu"] = in.hw.name;
    j["gpus"] = in.gpus;
    j["fits"] = false;
    j["message"] = none_fits_message(*e.searched, in.hw);
  } else {
    j = to_json(in.model, in.gpus, in.hw, e.cfg, e.result);
  }
  j["efficiencies"] = {{"generation", eff.generation},
                       {"software", eff.software},
                       {"software_note", eff.software_note}};
  if (e.searched && !e.none_fits()) {
    nlohmann::ordered_json next = nlohmann::ordered_json::array();
    for (const RankedConfig& r : e.searched->runners_up)
      next.push_back(to_json(in.model, in.gpus, in.hw, r.config, r.result)["config"]);
    for (size_t i = 0; i < e.searched->runners_up.size(); ++i)
      next[i]["step_time_s"] = e.searched->runners_up[i].result.step_time_s;
    j["runners_up"] = next;
  }
  if (e.searched)
    j["search"] = {{"configs_evaluated", e.searched->configs_evaluated},
                   {"configs_fitting", e.searched->configs_fitting},
                   {"search_s", e.search_s},
                   {"configs_per_s", e.searched->configs_evaluated / std::max(e.search_s, 1e-9)}};
  return j;
}

void print_estimate_text(std::ostream& out, const StepInputs& in, const StepEfficiency& eff,
                         const Estimate& e) {
  if (e.none_fits()) {
    out << "fits           NO: " << none_fits_message(*e.searched, in.hw) << "\n";
    return;
  }
  print_text(out, in.model, in.gpus, in.hw, eff, e.cfg, e.result);
  if (!e.searched || e.searched->runners_up.empty()) return;
  out << "next fastest\n";
  for (const RankedConfig& r : e.searched->runners_up)
    out << "  " << seconds(r.result.step_time_s) << " ("
        << fixed(100 * (r.result.step_time_s / e.result.step_time_s - 1), 1) << " % slower)  "
        << config_line(r.config, r.result) << "\n";
}

// Read the inputs, check them, estimate (or search), print.
int run_step(const StepOptions& options,
             const std::function<StepHardware(const std::string&)>& lookup) {
  const std::optional<StepInputs> in = read_inputs(options, lookup);
  if (!in) return 2;
  if (const auto problems = input_problems(*in); !problems.empty()) return report_errors(problems);
  const StepEfficiency eff = step_efficiency_for(in->hw.name, in->software);
  if (!eff.software_note.empty()) std::cerr << "capsim step: note: " << eff.software_note << "\n";
  const std::optional<Estimate> e = estimate(*in, eff);
  if (!e) return 2;
  if (in->json)
    std::cout << estimate_json(*in, eff, *e).dump(2) << "\n";
  else
    print_estimate_text(std::cout, *in, eff, *e);
  return 0;
}

} // namespace

void add_step_command(CLI::App& app, int& exit_code,
                      std::function<StepHardware(const std::string&)> lookup) {
  CLI::App* step = app.add_subcommand(
      "step", "Time, FLOP/s and memory of one training step (fastest fitting configuration "
              "for the degrees left out)");
  auto options = std::make_shared<StepOptions>();
  for (const Key& k : kKeys) {
    const std::string flag = std::string("--") + k.name;
    if (k.kind == Key::flag)
      options->cli_option[k.name] = step->add_flag(flag, options->cli_flag[k.name], k.help);
    else
      options->cli_option[k.name] = step->add_option(flag, options->cli_text[k.name], k.help);
  }
  step->add_option("--config", options->config_path,
                   "YAML file of the step options: the keys of a scenario job's model block "
                   "(e.g. 'global_batch: 1536'), gpu, gpus, and a parallel block "
                   "('parallel: {tp: 8}'); flags override it");
  step->callback([options, &exit_code, lookup = std::move(lookup)] {
    try {
      exit_code = run_step(*options, lookup);
    } catch (const std::invalid_argument& e) {
      std::cerr << "capsim step: error: " << e.what() << "\n";
      exit_code = 2;
    }
  });
}

} // namespace capsim::cli
