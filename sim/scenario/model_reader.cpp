#include "sim/scenario/model_reader.hpp"

namespace capsim {

TransformerSpec read_transformer(MapReader& m, bool training) {
  auto count = [&](const char* key, Need need, int fallback) {
    return static_cast<int>(m.integer(key, need, 1, 10'000'000).value_or(fallback));
  };
  TransformerSpec t;
  t.layers = count("layers", Need::required, 1);
  t.hidden = count("hidden", Need::required, 1);
  t.heads = count("heads", Need::required, 1);
  t.ffn = count("ffn", Need::optional, 4 * t.hidden);
  t.kv_heads = count("kv_heads", Need::optional, t.heads);
  t.vocab = count("vocab", Need::required, 1);
  if (training) {
    t.seq_len = count("seq", Need::required, 1);
    t.global_batch = count("global_batch", Need::required, 1);
  } else {
    t.seq_len = t.global_batch = 1; // unused: a serving model's requests give its lengths
  }
  t.experts = count("experts", Need::optional, 1);
  t.top_k = count("top_k", Need::optional, 1);
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
  auto degree = [&](const char* key, std::optional<int>& field) {
    if (auto v = p.integer(key, Need::optional, 0, 1'000'000)) field = static_cast<int>(*v);
  };
  degree("tp", space.tensor);
  degree("pp", space.pipeline);
  degree("interleave", space.interleave);
  degree("cp", space.context);
  degree("ep", space.expert);
  degree("microbatch", space.microbatch);
  degree("zero", space.zero_stage);
  if (auto r = p.one_of("recompute", Need::optional, {"none", "selective", "full"}))
    space.recompute = parse_recompute(*r);
  if (auto sp = p.boolean("sequence_parallel", Need::optional)) space.sequence_parallel = sp;
  if (auto n = p.integer("offload_layers", Need::optional, 0, 1'000'000))
    space.offload_layers = static_cast<int>(*n);
  if (auto g = p.boolean("fp8_param_gather", Need::optional)) space.fp8_param_gather = *g;
}

} // namespace capsim
