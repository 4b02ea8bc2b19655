// One reader for a transformer's architecture and its parallel layout, shared by a scenario
// job's `model:` and `parallel:` blocks and by `capsim step --config`, so that the same keys
// (layers, hidden, ffn, heads, kv_heads, vocab, seq, global_batch, experts, top_k, gated_ffn,
// dropout, attention, precision; tp, pp, interleave, cp, ep, microbatch, zero, recompute,
// sequence_parallel) mean the same thing in both and a step --config file pastes into a model
// block.
#pragma once

#include "models/serving.hpp"
#include "models/training.hpp"
#include "sim/scenario/yaml_reader.hpp"

namespace capsim {

namespace model_reader_detail {
// An architecture key: a whole number in [1, 1e7], required or with a default from elsewhere.
constexpr Parameter size_key(std::string_view key, std::string_view meaning, bool required,
                             std::string_view default_from = {}) {
  return {.key = key,
          .default_si = 1,
          .min_si = 1,
          .max_si = 10'000'000,
          .meaning = meaning,
          .whole = true,
          .required = required,
          .default_from = default_from};
}
// A parallel degree: a whole number the scenario fixes, or the step model searches.
constexpr Parameter degree_key(std::string_view key, std::string_view meaning) {
  return {.key = key,
          .min_si = 0,
          .max_si = 1'000'000,
          .meaning = meaning,
          .whole = true,
          .default_from = "searched by the step model"};
}
} // namespace model_reader_detail

// The architecture keys (a `model:` mapping), each a whole number. A required key's default_si
// is what the reader keeps when it reports it missing.
namespace architecture_parameter {
using model_reader_detail::size_key;
inline constexpr Parameter layers = size_key("layers", "transformer layers", true);
inline constexpr Parameter hidden = size_key("hidden", "hidden (model) dimension", true);
inline constexpr Parameter heads = size_key("heads", "attention heads", true);
inline constexpr Parameter ffn = size_key("ffn", "feed-forward inner dimension", false, "4 hidden");
inline constexpr Parameter kv_heads =
    size_key("kv_heads", "key/value heads (grouped-query attention)", false, "heads");
inline constexpr Parameter vocab = size_key("vocab", "vocabulary size", true);
inline constexpr Parameter seq =
    size_key("seq", "training sequence length (not for an inference job's model)", true);
inline constexpr Parameter global_batch = size_key(
    "global_batch", "sequences per optimizer step (not for an inference job's model)", true);
inline constexpr Parameter experts =
    size_key("experts", "experts per mixture-of-experts layer (1: dense)", false);
inline constexpr Parameter top_k = size_key("top_k", "experts each token is routed to", false);
inline constexpr Parameter table[] = {layers, hidden, heads,        ffn,     kv_heads,
                                      vocab,  seq,    global_batch, experts, top_k};
} // namespace architecture_parameter

// The degrees of a `parallel:` mapping: each given one is fixed, the others are searched (the
// step model checks them: a ZeRO stage above 3, a degree that does not divide, ...).
namespace parallel_parameter {
using model_reader_detail::degree_key;
inline constexpr Parameter tp = degree_key("tp", "tensor-parallel degree");
inline constexpr Parameter pp = degree_key("pp", "pipeline-parallel degree");
inline constexpr Parameter interleave = degree_key("interleave", "virtual pipeline stages per GPU");
inline constexpr Parameter cp = degree_key("cp", "context-parallel degree");
inline constexpr Parameter ep = degree_key("ep", "expert-parallel degree");
inline constexpr Parameter microbatch = degree_key("microbatch", "sequences per microbatch");
inline constexpr Parameter zero = degree_key("zero", "ZeRO stage (0 to 3)");
inline constexpr Parameter offload_layers{
    .key = "offload_layers",
    .default_si = 0,
    .min_si = 0,
    .max_si = 1'000'000,
    .meaning = "layers whose activations are offloaded to host memory (given, not searched)",
    .whole = true};
inline constexpr Parameter table[] = {tp, pp, interleave, cp, ep, microbatch, zero, offload_layers};
} // namespace parallel_parameter

// The architecture keys of a `model:` mapping (layers, hidden, heads, vocab, seq and
// global_batch required; the others default: ffn 4 hidden, kv_heads = heads, one expert,
// top_k 1, no gated FFN, no dropout, fused attention, bf16).
// `training` false (an inference job's model): seq and global_batch are not read.
TransformerSpec read_transformer(MapReader& model, bool training = true);

// An inference job's `model:` mapping: `preset: NAME` (models/serving.hpp's presets), or the
// architecture keys above (without seq and global_batch), whose parameters (total and active)
// count as the step model counts them. `what` names the mapping in errors.
ServingModel read_serving_model(MapReader& model, Diagnostics& diagnostics,
                                const std::string& what);

// The degrees of a `parallel:` mapping: each given one is fixed, the others stay open.
void read_parallel(MapReader& parallel, SearchSpace& space);

} // namespace capsim
