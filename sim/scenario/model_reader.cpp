#include "sim/scenario/model_reader.hpp"

namespace capsim {

TransformerSpec read_transformer(MapReader& m, bool training) {
  namespace a = architecture_parameter;
  auto count = [&](const Parameter& p) { return static_cast<int>(m.quantity(p)); };
  auto count_or = [&](const Parameter& p, int fallback) {
    return static_cast<int>(m.given(p).value_or(fallback));
  };
  TransformerSpec t;
  t.layers = count(a::layers);
  t.hidden = count(a::hidden);
  t.heads = count(a::heads);
  t.ffn = count_or(a::ffn, 4 * t.hidden);
  t.kv_heads = count_or(a::kv_heads, t.heads);
  t.vocab = count(a::vocab);
  if (training) {
    t.seq_len = count(a::seq);
    t.global_batch = count(a::global_batch);
  } else {
    t.seq_len = t.global_batch = 1; // unused: a serving model's requests give its lengths
  }
  t.experts = count(a::experts);
  t.top_k = count(a::top_k);
  t.gated_ffn = m.boolean("gated_ffn", Need::optional).value_or(false);
  t.dropout = m.boolean("dropout", Need::optional).value_or(false);
  if (auto a = m.one_of("attention", Need::optional, {"fused", "unfused"}))
    t.attention = *parse_attention(*a);
  if (auto p = m.one_of("precision", Need::optional, {"bf16", "fp8"}))
    t.precision = *parse_precision(*p);
  return t;
}

ServingModel read_serving_model(MapReader& m, Diagnostics& d, const std::string& what) {
  if (m.has("preset")) {
    YAML::Node node = m.peek("preset");
    auto name = m.string("preset", Need::required);
    if (!name) return {};
    if (auto preset = serving_model_preset(*name)) return *preset;
    std::string names;
    for (const auto& n : serving_model_preset_names())
      names += (names.empty() ? "" : ", ") + n;
    d.error(node, what + ": unknown model preset '" + *name + "' (presets: " + names +
                      "; or give the architecture: layers, hidden, heads, vocab, ...)");
    return {};
  }
  TransformerSpec t = read_transformer(m, false);
  ParameterCount count = count_parameters(t);
  ServingModel s;
  s.name = "custom";
  s.params = count.total;
  s.active_params = count.active;
  s.layers = t.layers;
  s.hidden = t.hidden;
  s.heads = t.heads;
  s.kv_heads = t.kv_heads;
  s.head_dim = t.heads > 0 ? t.hidden / t.heads : 0;
  s.experts = t.experts;
  s.experts_per_token = t.top_k;
  for (const auto& problem : validate(s))
    d.error(m.node(), what + ": " + problem);
  return s;
}

void read_parallel(MapReader& p, SearchSpace& space) {
  namespace d = parallel_parameter;
  auto degree = [&](const Parameter& parameter, std::optional<int>& field) {
    if (auto v = p.given(parameter)) field = static_cast<int>(*v);
  };
  degree(d::tp, space.tensor);
  degree(d::pp, space.pipeline);
  degree(d::interleave, space.interleave);
  degree(d::cp, space.context);
  degree(d::ep, space.expert);
  degree(d::microbatch, space.microbatch);
  degree(d::zero, space.zero_stage);
  if (auto r = p.one_of("recompute", Need::optional, {"none", "selective", "full"}))
    space.recompute = parse_recompute(*r);
  if (auto sp = p.boolean("sequence_parallel", Need::optional)) space.sequence_parallel = sp;
  if (auto n = p.given(d::offload_layers)) space.offload_layers = static_cast<int>(*n);
  if (auto g = p.boolean("fp8_param_gather", Need::optional)) space.fp8_param_gather = *g;
  if (auto b = p.boolean("bf16_optimizer", Need::optional)) space.bf16_optimizer = *b;
  if (auto cc = p.one_of("cp_comm", Need::optional, {"ring", "all_gather"}))
    space.cp_comm = *parse_cp_comm(*cc);
}

} // namespace capsim
