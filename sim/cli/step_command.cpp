#include "sim/cli/step_command.hpp"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

namespace capsim::cli {

namespace {

struct Key {
  const char* name;
  enum Kind { integer, text, flag } kind;
  const char* help;
};

// Flag names double as the keys of --config files.
constexpr Key kKeys[] = {
    {"gpu", Key::text, "GPU model from the catalogue (e.g. A100)"},
    {"gpus", Key::integer, "number of GPUs"},
    {"layers", Key::integer, "transformer layers L"},
    {"hidden", Key::integer, "hidden size h"},
    {"ffn", Key::integer, "feed-forward size F per expert (default 4h)"},
    {"heads", Key::integer, "attention heads A"},
    {"kv-heads", Key::integer, "key/value heads K for grouped-query attention (default A)"},
    {"vocab", Key::integer, "vocabulary size V"},
    {"seq", Key::integer, "sequence length s (tokens)"},
    {"global-batch", Key::integer, "global batch B (sequences per step)"},
    {"microbatch", Key::integer, "microbatch m (sequences); omitted: choose"},
    {"tp", Key::integer, "tensor parallel degree; omitted: choose"},
    {"pp", Key::integer, "pipeline parallel degree; omitted: choose"},
    {"cp", Key::integer, "context parallel degree; omitted: choose"},
    {"ep", Key::integer, "expert parallel degree; omitted: choose"},
    {"interleave", Key::integer, "pipeline chunks per GPU v; omitted: choose"},
    {"recompute", Key::text, "activation recomputation none|selective|full; omitted: choose"},
    {"sequence-parallel", Key::flag, "sequence parallelism (with tp > 1); omitted: choose"},
    {"zero", Key::integer, "ZeRO stage 0|1|2|3; omitted: choose"},
    {"experts", Key::integer, "experts per MoE layer (1 = dense)"},
    {"top-k", Key::integer, "experts per token (MoE)"},
    {"gated-ffn", Key::flag, "gated feed-forward (SwiGLU: three matrices instead of two)"},
    {"attention", Key::text,
     "attention kernel fused|unfused (default fused: FlashAttention-2/3; unfused for old stacks)"},
    {"precision", Key::text, "precision of the linear layers' GEMMs bf16|fp8 (default bf16)"},
    {"top", Key::integer, "with a search, also list the next N fastest layouts (default 4)"},
    {"search", Key::flag,
     "search the fastest configuration that fits, even if all degrees are given"},
    {"json", Key::flag, "print JSON"},
};

struct Value {
  std::string text;
  std::string origin; // "--tp" or "FILE:LINE:COL"
};

struct StepOptions {
  std::map<std::string, std::string> cli_text;
  std::map<std::string, bool> cli_flag;
  std::map<std::string, CLI::Option*> cli_option;
  std::string config_path;
};

struct InputErrors {
  std::vector<std::string> located;   // already "FILE:LINE:COL: error: ..."
  std::vector<std::string> unlocated; // printed as "capsim step: error: ..."
  bool empty() const { return located.empty() && unlocated.empty(); }
};

std::string mark_text(const std::string& file, const YAML::Mark& mark) {
  return file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

const Key* find_key(const std::string& name) {
  for (const Key& k : kKeys)
    if (name == k.name) return &k;
  return nullptr;
}

void read_config(const std::string& path, std::map<std::string, Value>& values,
                 InputErrors& errors) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    errors.unlocated.push_back("cannot read config file '" + path + "'");
    return;
  } catch (const YAML::Exception& e) {
    errors.located.push_back(mark_text(path, e.mark) + ": error: " + e.msg);
    return;
  }
  if (!root.IsMap()) {
    errors.located.push_back(mark_text(path, root.Mark()) +
                             ": error: expected a mapping of step options (e.g. 'layers: 96')");
    return;
  }
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    const Key* k = find_key(key);
    if (!k) {
      errors.located.push_back(mark_text(path, entry.first.Mark()) + ": error: unknown key '" +
                               key + "'");
      continue;
    }
    if (!entry.second.IsScalar()) {
      errors.located.push_back(mark_text(path, entry.second.Mark()) + ": error: '" + key +
                               "' must be a single value");
      continue;
    }
    values[key] = Value{entry.second.Scalar(), mark_text(path, entry.second.Mark())};
  }
}

class Inputs {
public:
  Inputs(std::map<std::string, Value> values, InputErrors& errors)
      : values_(std::move(values)), errors_(errors) {}

  bool has(const std::string& key) const { return values_.count(key) > 0; }

  std::optional<int> integer(const std::string& key) {
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    const std::string& text = it->second.text;
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      fail(it->second, key + " must be an integer, got '" + text + "'");
      return std::nullopt;
    }
    return value;
  }

  std::optional<std::string> text(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    return it->second.text;
  }

  std::optional<bool> flag(const std::string& key) {
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    const std::string& t = it->second.text;
    if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
    if (t == "false" || t == "no" || t == "off" || t == "0") return false;
    fail(it->second, key + " must be true or false, got '" + t + "'");
    return std::nullopt;
  }

  int required(const std::string& key) {
    if (!has(key)) {
      errors_.unlocated.push_back("missing --" + key + " (" + find_key(key)->help + ")");
      return 0;
    }
    return integer(key).value_or(0);
  }

  void fail(const Value& v, const std::string& message) {
    if (v.origin.rfind("--", 0) == 0)
      errors_.unlocated.push_back(v.origin + ": " + message);
    else
      errors_.located.push_back(v.origin + ": error: " + message);
  }

  const Value* find(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
  }

private:
  std::map<std::string, Value> values_;
  InputErrors& errors_;
};

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
         to_string(c.recompute);
}

void print_text(std::ostream& out, const TransformerSpec& model, int gpus, const StepHardware& hw,
                const StepEfficiency& eff, const ParallelConfig& cfg, const StepResult& r) {
  const ParameterCount n = count_parameters(model);
  out << "model          " << fixed(n.total / 1e9, 2) << " B parameters";
  if (model.experts > 1) out << " (" << fixed(n.active / 1e9, 2) << " B active)";
  out << ", " << model.layers << " layers, hidden " << model.hidden << ", seq " << model.seq_len
      << ", global batch " << model.global_batch << "\n";
  out << "hardware       " << gpus << " x " << hw.name << " (" << eff.generation
      << " efficiencies), attention " << to_string(model.attention) << ", "
      << to_string(model.precision) << "\n";
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
  out << "fits           " << (r.fits ? "yes" : "NO: " + r.message) << "\n";
}

nlohmann::ordered_json to_json(const TransformerSpec& model, int gpus, const StepHardware& hw,
                               const ParallelConfig& cfg, const StepResult& r) {
  const ParameterCount n = count_parameters(model);
  nlohmann::ordered_json j;
  j["gpu"] = hw.name;
  j["gpus"] = gpus;
  j["model"] = {{"layers", model.layers},
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
  j["config"] = {{"tp", cfg.tensor},
                 {"pp", cfg.pipeline},
                 {"interleave", cfg.interleave},
                 {"cp", cfg.context},
                 {"ep", cfg.expert},
                 {"dp", r.data_parallel},
                 {"microbatch", cfg.microbatch},
                 {"microbatches", r.microbatches},
                 {"sequence_parallel", cfg.sequence_parallel},
                 {"zero", cfg.zero_stage},
                 {"recompute", to_string(cfg.recompute)}};
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
  const TimeBreakdown& t = r.time;
  j["breakdown"] = {{"compute_s", t.compute_s},
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
                    {"optimizer_s", t.optimizer_s}};
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
                 {"hbm_bytes", hw.hbm_bytes}};
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

int report_errors(const InputErrors& errors) {
  for (const auto& e : errors.located)
    std::cerr << e << "\n";
  for (const auto& e : errors.unlocated)
    std::cerr << "capsim step: error: " << e << "\n";
  return 2;
}

int run_step(const StepOptions& options,
             const std::function<StepHardware(const std::string&)>& lookup) {
  InputErrors errors;
  std::map<std::string, Value> values;
  if (!options.config_path.empty()) read_config(options.config_path, values, errors);
  for (const auto& [name, option] : options.cli_option) {
    if (option->count() == 0) continue;
    const Key* k = find_key(name);
    const std::string text = k->kind == Key::flag ? (options.cli_flag.at(name) ? "true" : "false")
                                                  : options.cli_text.at(name);
    values[name] = Value{text, "--" + name};
  }
  Inputs in(std::move(values), errors);

  StepHardware hw;
  if (const auto gpu = in.text("gpu")) {
    try {
      hw = lookup(*gpu);
    } catch (const std::invalid_argument& e) {
      errors.unlocated.push_back(e.what());
    }
  } else {
    errors.unlocated.push_back("missing --gpu (GPU model from the catalogue)");
  }
  const int gpus = in.required("gpus");
  TransformerSpec model{.layers = in.required("layers"),
                        .hidden = in.required("hidden"),
                        .heads = in.required("heads"),
                        .vocab = in.required("vocab"),
                        .seq_len = in.required("seq"),
                        .global_batch = in.required("global-batch")};
  model.ffn = in.integer("ffn").value_or(4 * model.hidden);
  model.kv_heads = in.integer("kv-heads").value_or(model.heads);
  model.experts = in.integer("experts").value_or(1);
  model.top_k = in.integer("top-k").value_or(1);
  model.gated_ffn = in.flag("gated-ffn").value_or(false);
  if (const auto name = in.text("attention")) {
    if (const auto a = parse_attention(*name))
      model.attention = *a;
    else
      in.fail(*in.find("attention"), "attention must be fused or unfused, got '" + *name + "'");
  }
  if (const auto name = in.text("precision")) {
    if (const auto a = parse_precision(*name))
      model.precision = *a;
    else
      in.fail(*in.find("precision"), "precision must be bf16 or fp8, got '" + *name + "'");
  }
  const int top = in.integer("top").value_or(4);

  SearchSpace space;
  space.tensor = in.integer("tp");
  space.pipeline = in.integer("pp");
  space.context = in.integer("cp");
  space.expert = in.integer("ep");
  space.interleave = in.integer("interleave");
  space.microbatch = in.integer("microbatch");
  space.zero_stage = in.integer("zero");
  if (const auto name = in.text("recompute")) {
    space.recompute = parse_recompute(*name);
    if (!space.recompute)
      in.fail(*in.find("recompute"),
              "recompute must be none, selective or full, got '" + *name + "'");
  }
  const std::optional<bool> sequence_parallel = in.flag("sequence-parallel");
  if (sequence_parallel && *sequence_parallel) space.sequence_parallel = true;
  const bool force_search = in.flag("search").value_or(false);
  const bool json = in.flag("json").value_or(false);
  if (!errors.empty()) return report_errors(errors);

  for (const auto& p : validate(model))
    errors.unlocated.push_back(p);
  for (const auto& p : validate(hw))
    errors.unlocated.push_back("GPU '" + hw.name + "': " + p);
  if (gpus <= 0) errors.unlocated.push_back("gpus must be positive, got " + std::to_string(gpus));
  if (top < 0) errors.unlocated.push_back("top must be >= 0, got " + std::to_string(top));
  if (model.precision == Precision::fp8 && hw.peak_fp8_flops <= 0 && errors.empty())
    errors.unlocated.push_back("precision fp8 needs fp8 tensor cores; " + hw.name + " has none");
  if (!errors.empty()) return report_errors(errors);

  const StepEfficiency eff = step_efficiency_for(hw.name);
  const bool all_fixed = space.tensor && space.pipeline && space.context && space.expert &&
                         space.interleave && space.microbatch && space.zero_stage &&
                         space.recompute;
  ParallelConfig cfg;
  StepResult result;
  std::optional<SearchResult> searched;
  double search_s = 0;
  if (all_fixed && !force_search) {
    cfg = ParallelConfig{.tensor = *space.tensor,
                         .pipeline = *space.pipeline,
                         .interleave = *space.interleave,
                         .context = *space.context,
                         .expert = *space.expert,
                         .microbatch = *space.microbatch,
                         .sequence_parallel = sequence_parallel.value_or(false),
                         .zero_stage = *space.zero_stage,
                         .recompute = *space.recompute};
    const auto problems = validate(model, cfg, gpus);
    if (!problems.empty()) {
      errors.unlocated = problems;
      return report_errors(errors);
    }
    result = estimate_step(model, cfg, gpus, hw, eff);
  } else {
    // Fixed degrees must be consistent on their own before the search can say "none fits".
    ParallelConfig partial{.tensor = space.tensor.value_or(1),
                           .pipeline = space.pipeline.value_or(1),
                           .interleave = 1,
                           .context = space.context.value_or(1),
                           .expert = space.expert.value_or(1),
                           .microbatch = 1,
                           .zero_stage = space.zero_stage.value_or(0)};
    if (space.zero_stage && (*space.zero_stage < 0 || *space.zero_stage > 3))
      errors.unlocated.push_back("zero stage must be 0, 1, 2 or 3, got " +
                                 std::to_string(*space.zero_stage));
    if (partial.tensor < 1 || partial.pipeline < 1 || partial.context < 1 || partial.expert < 1 ||
        space.interleave.value_or(1) < 1 || space.microbatch.value_or(1) < 1)
      errors.unlocated.push_back("parallel degrees and microbatch must be >= 1");
    if (!errors.empty()) return report_errors(errors);
    const auto start = std::chrono::steady_clock::now();
    searched = search_parallel(model, gpus, hw, eff, space, top);
    search_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cerr << "capsim step: searched " << searched->configs_evaluated << " configurations ("
              << searched->configs_fitting << " fit) in " << seconds(search_s) << ", "
              << fixed(searched->configs_evaluated / std::max(search_s, 1e-9), 0) << " configs/s\n";
    if (searched->configs_evaluated == 0) {
      // Say which fixed degree does not divide what.
      ParallelConfig fixed = partial;
      fixed.interleave = space.interleave.value_or(1);
      fixed.microbatch = space.microbatch.value_or(1);
      fixed.sequence_parallel = sequence_parallel.value_or(false) && fixed.tensor > 1;
      for (const auto& p : validate(model, fixed, gpus))
        errors.unlocated.push_back(p);
      if (errors.unlocated.empty())
        errors.unlocated.push_back(
            "no valid parallel configuration: the given degrees leave no data-parallel degree "
            "and microbatch that divide global-batch (" +
            std::to_string(model.global_batch) + ")");
      return report_errors(errors);
    }
    cfg = searched->config;
    result = searched->result;
  }

  const bool none_fits = searched && !searched->found;
  if (json) {
    nlohmann::ordered_json j;
    if (none_fits) {
      j["gpu"] = hw.name;
      j["gpus"] = gpus;
      j["fits"] = false;
      j["message"] = none_fits_message(*searched, hw);
    } else {
      j = to_json(model, gpus, hw, cfg, result);
    }
    if (searched && !none_fits) {
      nlohmann::ordered_json next = nlohmann::ordered_json::array();
      for (const RankedConfig& r : searched->runners_up)
        next.push_back(to_json(model, gpus, hw, r.config, r.result)["config"]);
      for (size_t i = 0; i < searched->runners_up.size(); ++i)
        next[i]["step_time_s"] = searched->runners_up[i].result.step_time_s;
      j["runners_up"] = next;
    }
    if (searched)
      j["search"] = {{"configs_evaluated", searched->configs_evaluated},
                     {"configs_fitting", searched->configs_fitting},
                     {"search_s", search_s},
                     {"configs_per_s", searched->configs_evaluated / std::max(search_s, 1e-9)}};
    std::cout << j.dump(2) << "\n";
  } else if (none_fits) {
    std::cout << "fits           NO: " << none_fits_message(*searched, hw) << "\n";
  } else {
    print_text(std::cout, model, gpus, hw, eff, cfg, result);
    if (searched && !searched->runners_up.empty()) {
      std::cout << "next fastest\n";
      for (const RankedConfig& r : searched->runners_up)
        std::cout << "  " << seconds(r.result.step_time_s) << " ("
                  << fixed(100 * (r.result.step_time_s / result.step_time_s - 1), 1)
                  << " % slower)  " << config_line(r.config, r.result) << "\n";
    }
  }
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
                   "YAML file with the same keys as the flags (e.g. 'global-batch: 1536'); "
                   "flags override it");
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
