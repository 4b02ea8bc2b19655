#include "sim/cli/serve_command.hpp"

#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "models/serving.hpp"
#include "sim/cli/commands.hpp"
#include "sim/scenario/catalog.hpp"

namespace capsim::cli {

namespace {

struct ServeOptions {
  std::string gpu;
  std::string model;
  std::optional<double> params, active_params;
  std::optional<int> layers, hidden, heads, kv_heads, head_dim, experts, top_k;
  int tp = 1, pp = 1, ep = 1;
  std::string quantization; // empty: fp8 where the GPU has it, else bf16
  int batch_limit = 2048;
  int max_num_tokens = 8192;
  double kv_free_fraction = 0.9;
  double prompt_tokens = 0, output_tokens = 0, output_cv = 0;
  std::optional<double> rate;
  double ttft_s = 0, tpot_s = 0;
  bool search = false;
  int top = 5;
  bool json = false;
};

// User errors: collected, printed as "capsim serve: error: ...", exit 2.
struct ServeInputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string join_with(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& s : items)
    out += (out.empty() ? "" : sep) + s;
  return out;
}

ServingModel build_model(const ServeOptions& o) {
  ServingModel m;
  if (!o.model.empty()) {
    auto preset = serving_model_preset(o.model);
    if (!preset)
      throw ServeInputError("unknown model '" + o.model +
                            "'; presets: " + join_with(serving_model_preset_names(), ", ") +
                            " (or give --params, --layers, --hidden, --heads, --kv-heads, "
                            "--head-dim)");
    m = *preset;
  } else {
    m.name = "custom";
    if (!o.params || !o.layers || !o.hidden || !o.heads)
      throw ServeInputError("give --model PRESET, or --params, --layers, --hidden and --heads "
                            "(with --kv-heads, --head-dim, --experts, --top-k, "
                            "--active-params as needed)");
  }
  if (o.params) m.params = *o.params;
  if (o.layers) m.layers = *o.layers;
  if (o.hidden) m.hidden = *o.hidden;
  if (o.heads) m.heads = *o.heads;
  if (o.experts) m.experts = *o.experts;
  if (o.top_k) m.experts_per_token = *o.top_k;
  if (o.kv_heads)
    m.kv_heads = *o.kv_heads;
  else if (o.model.empty())
    m.kv_heads = m.heads;
  if (o.head_dim)
    m.head_dim = *o.head_dim;
  else if (o.model.empty() && m.heads > 0)
    m.head_dim = m.hidden / m.heads;
  if (o.active_params)
    m.active_params = *o.active_params;
  else if (o.model.empty() || (o.params && m.experts <= 1))
    m.active_params = m.params;
  auto problems = validate(m);
  if (!problems.empty()) throw ServeInputError("model: " + join_with(problems, "; "));
  return m;
}

ServingHardware build_hardware(const std::string& name) {
  if (name.empty())
    throw ServeInputError("--gpu is required (" + default_catalog().gpu_names() + ")");
  const GpuSpec* gpu = default_catalog().find_gpu(name);
  if (!gpu)
    throw ServeInputError("unknown GPU '" + name + "'; known: " + default_catalog().gpu_names());
  try {
    return serving_hardware(*gpu);
  } catch (const std::invalid_argument& e) {
    throw ServeInputError(e.what());
  }
}

Quantization pick_quantization(const ServeOptions& o, const ServingHardware& hw) {
  if (o.quantization.empty()) return hw.fp8_flops > 0 ? Quantization::fp8 : Quantization::bf16;
  auto q = parse_quantization(o.quantization);
  if (!q) throw ServeInputError("--quant must be bf16, fp8 or fp4, got '" + o.quantization + "'");
  return *q;
}

std::string gb(double bytes) {
  return fmt::format("{:.1f} GB", bytes / 1e9);
}

std::string ms(double s) {
  if (!std::isfinite(s)) return "unbounded";
  return s < 1 ? fmt::format("{:.1f} ms", s * 1e3) : fmt::format("{:.2f} s", s);
}

std::string layout_text(const ServingLayout& l) {
  return fmt::format("TP {} x PP {} x EP {} ({} GPUs), {}, batch limit {}", l.tensor, l.pipeline,
                     l.expert, l.gpus(), to_string(l.quantization), l.batch_limit);
}

// A model that does not fit: what needs how much against what is usable.
std::string no_fit_message(const ServingModel& m, const ServingHardware& hw, const ServingLayout& l,
                           const ServingRequestShape& shape, const ServingMemory& mem) {
  double context = shape.prompt_tokens + shape.output_tokens;
  double one_request = mem.kv_bytes_per_token * context;
  return fmt::format(
      "{} does not fit on {} x {} ({}): per GPU, weights need {} and the activation workspace "
      "{} of {} HBM, leaving {} for the KV cache (kv-free-fraction {}), but one request of {:.0f} "
      "tokens needs {} of KV cache; use more GPUs per replica (--tp, --pp, --ep), a smaller "
      "--quant or shorter requests",
      m.name, l.gpus(), hw.name, layout_text(l), gb(mem.weight_bytes), gb(mem.workspace_bytes),
      gb(mem.usable_bytes), gb(mem.kv_capacity_bytes), l.kv_free_fraction, context,
      gb(one_request));
}

nlohmann::ordered_json latency_json(const ServingLatency& l) {
  return {{"request_rate_per_s", l.request_rate_per_s},
          {"stable", l.stable},
          {"utilization", l.utilization},
          {"mean_batch", l.mean_batch},
          {"prefill_share", l.prefill_share},
          {"output_tokens_per_s", l.output_tokens_per_s},
          {"slot_wait_probability", l.slot_wait_probability},
          {"ttft_p50_s", l.ttft_p50_s},
          {"ttft_p99_s", l.ttft_p99_s},
          {"tpot_p50_s", l.tpot_p50_s},
          {"tpot_p99_s", l.tpot_p99_s},
          {"slo_attainment", l.slo_attainment}};
}

nlohmann::ordered_json layout_json(const ServingLayout& l) {
  return {{"tp", l.tensor},
          {"pp", l.pipeline},
          {"ep", l.expert},
          {"gpus", l.gpus()},
          {"quantization", to_string(l.quantization)},
          {"batch_limit", l.batch_limit}};
}

void print_latency(std::ostream& out, const ServingLatency& l, const LatencyTargets& t) {
  if (!l.stable) {
    out << fmt::format(
        "at {:.4g} req/s   OVERLOADED: utilization {:.0f}% (queue grows without bound)\n",
        l.request_rate_per_s, 100 * l.utilization);
    return;
  }
  out << fmt::format(
      "at {:.4g} req/s  utilization {:.1f}%, mean batch {:.1f}, prefill share {:.1f}%\n",
      l.request_rate_per_s, 100 * l.utilization, l.mean_batch, 100 * l.prefill_share);
  out << fmt::format("TTFT           p50 {}  p99 {}\n", ms(l.ttft_p50_s), ms(l.ttft_p99_s));
  out << fmt::format("TPOT           p50 {}  p99 {}\n", ms(l.tpot_p50_s), ms(l.tpot_p99_s));
  if (t.ttft_s > 0 || t.tpot_s > 0)
    out << fmt::format("SLO attainment {:.2f}% (TTFT <= {}, TPOT <= {})\n", 100 * l.slo_attainment,
                       t.ttft_s > 0 ? ms(t.ttft_s) : "any", t.tpot_s > 0 ? ms(t.tpot_s) : "any");
}

int run_one(const ServeOptions& o, const ServingModel& m, const ServingHardware& hw,
            const ServingRequestShape& shape, const LatencyTargets& targets) {
  ServingLayout layout{.tensor = o.tp,
                       .pipeline = o.pp,
                       .expert = o.ep,
                       .quantization = pick_quantization(o, hw),
                       .batch_limit = o.batch_limit,
                       .max_num_tokens = o.max_num_tokens,
                       .kv_free_fraction = o.kv_free_fraction};
  auto problems = validate(m, hw, layout);
  if (!problems.empty()) throw ServeInputError(join_with(problems, "; "));
  ServingEfficiency eff = default_serving_efficiency(hw.generation);
  ServingCapacity cap = serving_capacity(m, hw, layout, eff, shape);
  if (!cap.memory.fits()) throw ServeInputError(no_fit_message(m, hw, layout, shape, cap.memory));
  double context = shape.prompt_tokens + shape.output_tokens / 2;
  DecodeRound one = decode_round(m, hw, layout, eff, 1, context);
  std::optional<ServingLatency> lat;
  if (o.rate) lat = serving_latency(m, hw, layout, eff, shape, *o.rate, targets);

  if (o.json) {
    nlohmann::ordered_json j;
    j["model"] = m.name;
    j["gpu"] = hw.name;
    j["generation"] = to_string(hw.generation);
    j["layout"] = layout_json(layout);
    j["memory_per_gpu"] = {{"hbm_bytes", cap.memory.usable_bytes},
                           {"weight_bytes", cap.memory.weight_bytes},
                           {"workspace_bytes", cap.memory.workspace_bytes},
                           {"kv_capacity_bytes", cap.memory.kv_capacity_bytes},
                           {"kv_bytes_per_token", cap.memory.kv_bytes_per_token}};
    j["max_batch"] = cap.memory.max_batch;
    j["prefill"] = {{"flop", cap.prefill.flop},
                    {"latency_s", cap.prefill.latency_s},
                    {"busy_s", cap.prefill.busy_s}};
    j["decode"] = {{"tpot_batch_1_s", one.time_s},
                   {"round_at_max_batch_s", cap.round_at_max_batch_s}};
    j["capacity"] = {{"max_request_rate_per_s", cap.max_request_rate_per_s},
                     {"output_tokens_per_s", cap.output_tokens_per_s},
                     {"output_tokens_per_s_per_gpu", cap.output_tokens_per_s_per_gpu}};
    if (lat) j["load"] = latency_json(*lat);
    std::cout << j.dump(2) << "\n";
    return exit_ok;
  }
  auto& out = std::cout;
  out << fmt::format("model          {} ({:.1f} B parameters{}) on {} x {}\n", m.name,
                     m.params / 1e9,
                     m.experts > 1 ? fmt::format(", {:.1f} B active", m.active_params / 1e9) : "",
                     layout.gpus(), hw.name);
  out << fmt::format("layout         {}\n", layout_text(layout));
  out << fmt::format("memory/GPU     weights {}, workspace {}, KV cache {} of {} HBM\n",
                     gb(cap.memory.weight_bytes), gb(cap.memory.workspace_bytes),
                     gb(cap.memory.kv_capacity_bytes), gb(cap.memory.usable_bytes));
  out << fmt::format("max batch      {} requests of {:.0f} tokens\n", cap.memory.max_batch,
                     shape.prompt_tokens + shape.output_tokens);
  out << fmt::format("prefill        {} for {:.0f} prompt tokens ({:.3g} FLOP)\n",
                     ms(cap.prefill.latency_s), shape.prompt_tokens, cap.prefill.flop);
  out << fmt::format("decode         TPOT {} at batch 1, {} at batch {}\n", ms(one.time_s),
                     ms(cap.round_at_max_batch_s), cap.memory.max_batch);
  out << fmt::format("capacity       {:.4g} requests/s, {:.0f} output tokens/s ({:.0f} per GPU)\n",
                     cap.max_request_rate_per_s, cap.output_tokens_per_s,
                     cap.output_tokens_per_s_per_gpu);
  if (lat) print_latency(out, *lat, targets);
  return exit_ok;
}

int run_search(const ServeOptions& o, const ServingModel& m, const ServingHardware& hw,
               const ServingRequestShape& shape, const LatencyTargets& targets) {
  if (!o.rate) throw ServeInputError("--search needs the demand: --rate REQUESTS_PER_S");
  if (targets.ttft_s <= 0 || targets.tpot_s <= 0)
    throw ServeInputError("--search needs both targets: --ttft-s and --tpot-s (p99, seconds)");
  if (o.top < 1) throw ServeInputError("--top must be >= 1");
  LayoutSearch space;
  if (!o.quantization.empty()) space.quantization = {pick_quantization(o, hw)};
  if (m.experts <= 1) space.expert = {1};
  ServingEfficiency eff = default_serving_efficiency(hw.generation);
  long evaluated = 0;
  const auto start = std::chrono::steady_clock::now();
  auto choices = search_layouts(m, hw, eff, shape, *o.rate, targets, space, &evaluated);
  double search_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << fmt::format("capsim serve: searched {} layouts in {:.3f} s ({:.0f} layouts/s)\n",
                           evaluated, search_s, evaluated / std::max(search_s, 1e-9));
  if (choices.empty())
    throw ServeInputError(fmt::format(
        "no layout of {} tried for {} on {} meets TTFT p99 <= {} and TPOT p99 <= {} for "
        "{:.0f}+{:.0f}-token requests (or none fits in memory)",
        evaluated, m.name, hw.name, ms(targets.ttft_s), ms(targets.tpot_s), shape.prompt_tokens,
        shape.output_tokens));
  if (choices.size() > std::size_t(o.top)) choices.resize(o.top);
  if (o.json) {
    nlohmann::ordered_json j;
    j["model"] = m.name;
    j["gpu"] = hw.name;
    j["demand_requests_per_s"] = *o.rate;
    j["targets"] = {{"ttft_p99_s", targets.ttft_s}, {"tpot_p99_s", targets.tpot_s}};
    j["layouts_evaluated"] = evaluated;
    j["search_s"] = search_s;
    auto list = nlohmann::ordered_json::array();
    for (const auto& c : choices)
      list.push_back({{"layout", layout_json(c.layout)},
                      {"rate_per_replica_per_s", c.rate_per_replica_per_s},
                      {"replicas", c.replicas},
                      {"gpus", c.gpus},
                      {"gpu_price_usd", c.gpu_price_usd},
                      {"load", latency_json(c.latency)}});
    j["layouts"] = list;
    std::cout << j.dump(2) << "\n";
    return exit_ok;
  }
  std::cout << fmt::format("{} on {}: {:.4g} requests/s of {:.0f}+{:.0f} tokens, TTFT p99 <= {}, "
                           "TPOT p99 <= {}\n",
                           m.name, hw.name, *o.rate, shape.prompt_tokens, shape.output_tokens,
                           ms(targets.ttft_s), ms(targets.tpot_s));
  std::cout << fmt::format("{:>4} {:>5} {:>8} {:>3} {:>3} {:>3} {:>5} {:>6} {:>10} {:>9} {:>10} "
                           "{:>10} {:>8}\n",
                           "rank", "GPUs", "replicas", "TP", "PP", "EP", "quant", "batch",
                           "req/s/rep", "util", "TTFT p99", "TPOT p99", "SLO");
  int rank = 1;
  for (const auto& c : choices)
    std::cout << fmt::format("{:>4} {:>5} {:>8} {:>3} {:>3} {:>3} {:>5} {:>6} {:>10.4g} {:>8.1f}% "
                             "{:>10} {:>10} {:>7.2f}%\n",
                             rank++, c.gpus, c.replicas, c.layout.tensor, c.layout.pipeline,
                             c.layout.expert, to_string(c.layout.quantization),
                             c.layout.batch_limit, c.rate_per_replica_per_s,
                             100 * c.latency.utilization, ms(c.latency.ttft_p99_s),
                             ms(c.latency.tpot_p99_s), 100 * c.latency.slo_attainment);
  if (hw.price_usd > 0)
    std::cout << fmt::format("best: {} GPUs, {:.3g} USD of GPUs at the catalogue price\n",
                             choices.front().gpus, choices.front().gpu_price_usd);
  return exit_ok;
}

int run_serve(const ServeOptions& o) {
  ServingHardware hw = build_hardware(o.gpu);
  ServingModel m = build_model(o);
  ServingRequestShape shape{.prompt_tokens = o.prompt_tokens,
                            .output_tokens = o.output_tokens,
                            .output_tokens_cv = o.output_cv};
  auto problems = validate(shape);
  if (!problems.empty())
    throw ServeInputError(join_with(problems, "; ") +
                          " (--prompt-tokens, --output-tokens, --output-cv)");
  if (o.rate && !(*o.rate > 0 && std::isfinite(*o.rate)))
    throw ServeInputError("--rate must be > 0 requests/s");
  if (!(o.ttft_s >= 0) || !(o.tpot_s >= 0))
    throw ServeInputError("--ttft-s and --tpot-s must be >= 0 seconds");
  LatencyTargets targets{.ttft_s = o.ttft_s, .tpot_s = o.tpot_s};
  return o.search ? run_search(o, m, hw, shape, targets) : run_one(o, m, hw, shape, targets);
}

} // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "serve", "Throughput and latency of one inference replica at a load, or (--search) the "
               "cheapest layout meeting TTFT and TPOT targets at a demand");
  auto o = std::make_shared<ServeOptions>();
  cmd->add_option("--gpu", o->gpu, "GPU from the catalogue (A100, H100, H200, B200, GB200, ...)");
  cmd->add_option("--model", o->model,
                  "preset: " + join_with(serving_model_preset_names(), ", ") +
                      "; the flags below override its fields");
  cmd->add_option("--params", o->params, "parameters, every expert (e.g. 70.6e9)");
  cmd->add_option("--active-params", o->active_params, "parameters per token (MoE)");
  cmd->add_option("--layers", o->layers, "transformer layers");
  cmd->add_option("--hidden", o->hidden, "hidden size");
  cmd->add_option("--heads", o->heads, "attention heads");
  cmd->add_option("--kv-heads", o->kv_heads, "key/value heads (default: heads)");
  cmd->add_option("--head-dim", o->head_dim, "head dimension (default: hidden / heads)");
  cmd->add_option("--experts", o->experts, "experts per MoE layer (1 = dense)");
  cmd->add_option("--top-k", o->top_k, "experts per token");
  cmd->add_option("--tp", o->tp, "tensor parallel degree (default 1)");
  cmd->add_option("--pp", o->pp, "pipeline parallel degree (default 1)");
  cmd->add_option("--ep", o->ep, "expert parallel degree, attention data parallel (default 1)");
  cmd->add_option("--quant", o->quantization,
                  "bf16|fp8|fp4 (default fp8 where the GPU has it, else bf16; fp4 on Blackwell)");
  cmd->add_option("--batch-limit", o->batch_limit, "most concurrent requests (default 2048)");
  cmd->add_option("--max-num-tokens", o->max_num_tokens,
                  "tokens per prefill chunk, sizes the workspace (default 8192)");
  cmd->add_option("--kv-free-fraction", o->kv_free_fraction,
                  "share of memory left after weights given to the KV cache (default 0.9)");
  cmd->add_option("--prompt-tokens", o->prompt_tokens, "prompt (input) tokens per request")
      ->required();
  cmd->add_option("--output-tokens", o->output_tokens, "output tokens per request")->required();
  cmd->add_option("--output-cv", o->output_cv,
                  "coefficient of variation of the output length (default 0: fixed)");
  cmd->add_option("--rate", o->rate,
                  "request arrival rate (Poisson), requests/s; the demand "
                  "with --search");
  cmd->add_option("--ttft-s", o->ttft_s, "p99 time-to-first-token target, seconds");
  cmd->add_option("--tpot-s", o->tpot_s, "p99 time-per-output-token target, seconds");
  cmd->add_flag("--search", o->search,
                "search TP, PP, EP, quantisation and batch limit for the "
                "fewest GPUs meeting the targets at --rate");
  cmd->add_option("--top", o->top, "layouts to print with --search (default 5)");
  cmd->add_flag("--json", o->json, "print JSON");
  cmd->callback([o, &exit_code] {
    try {
      exit_code = run_serve(*o);
    } catch (const ServeInputError& e) {
      std::cerr << "capsim serve: error: " << e.what() << "\n";
      exit_code = exit_input;
    }
  });
}

} // namespace capsim::cli
