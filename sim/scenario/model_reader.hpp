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

// The architecture keys (a `model:` mapping), each a whole number. A required key's default_si
// is what the reader keeps when it reports it missing.
namespace architecture_parameter {
inline constexpr Parameter layers{.key = "layers",
                                  .default_si = 1,
                                  .min_si = 1,
                                  .max_si = 10'000'000,
                                  .meaning = "transformer layers",
                                  .whole = true,
                                  .required = true};
inline constexpr Parameter hidden{.key = "hidden",
                                  .default_si = 1,
                                  .min_si = 1,
                                  .max_si = 10'000'000,
                                  .meaning = "hidden (model) dimension",
                                  .whole = true,
                                  .required = true};
inline constexpr Parameter heads{.key = "heads",
                                 .default_si = 1,
                                 .min_si = 1,
                                 .max_si = 10'000'000,
                                 .meaning = "attention heads",
                                 .whole = true,
                                 .required = true};
inline constexpr Parameter ffn{.key = "ffn",
                               .default_si = 1,
                               .min_si = 1,
                               .max_si = 10'000'000,
                               .meaning = "feed-forward inner dimension",
                               .whole = true,
                               .default_from = "4 hidden"};
inline constexpr Parameter kv_heads{.key = "kv_heads",
                                    .default_si = 1,
                                    .min_si = 1,
                                    .max_si = 10'000'000,
                                    .meaning = "key/value heads (grouped-query attention)",
                                    .whole = true,
                                    .default_from = "heads"};
inline constexpr Parameter vocab{.key = "vocab",
                                 .default_si = 1,
                                 .min_si = 1,
                                 .max_si = 10'000'000,
                                 .meaning = "vocabulary size",
                                 .whole = true,
                                 .required = true};
inline constexpr Parameter seq{.key = "seq",
                               .default_si = 1,
                               .min_si = 1,
                               .max_si = 10'000'000,
                               .meaning =
                                   "training sequence length (not for an inference job's model)",
                               .whole = true,
                               .required = true};
inline constexpr Parameter global_batch{
    .key = "global_batch",
    .default_si = 1,
    .min_si = 1,
    .max_si = 10'000'000,
    .meaning = "sequences per optimizer step (not for an inference job's model)",
    .whole = true,
    .required = true};
inline constexpr Parameter experts{
    .key = "experts",
    .default_si = 1,
    .min_si = 1,
    .max_si = 10'000'000,
    .meaning = "experts per mixture-of-experts layer (1: dense)",
    .whole = true,
};
inline constexpr Parameter top_k{
    .key = "top_k",
    .default_si = 1,
    .min_si = 1,
    .max_si = 10'000'000,
    .meaning = "experts each token is routed to",
    .whole = true,
};
inline constexpr Parameter table[] = {layers, hidden, heads,        ffn,     kv_heads,
                                      vocab,  seq,    global_batch, experts, top_k};
} // namespace architecture_parameter

// The degrees of a `parallel:` mapping: each given one is fixed, the others are searched (the
// step model checks them: a ZeRO stage above 3, a degree that does not divide, ...).
namespace parallel_parameter {
inline constexpr Parameter tp{.key = "tp",
                              .min_si = 0,
                              .max_si = 1'000'000,
                              .meaning = "tensor-parallel degree",
                              .whole = true,
                              .default_from = "searched by the step model"};
inline constexpr Parameter pp{.key = "pp",
                              .min_si = 0,
                              .max_si = 1'000'000,
                              .meaning = "pipeline-parallel degree",
                              .whole = true,
                              .default_from = "searched by the step model"};
inline constexpr Parameter interleave{.key = "interleave",
                                      .min_si = 0,
                                      .max_si = 1'000'000,
                                      .meaning = "virtual pipeline stages per GPU",
                                      .whole = true,
                                      .default_from = "searched by the step model"};
inline constexpr Parameter cp{.key = "cp",
                              .min_si = 0,
                              .max_si = 1'000'000,
                              .meaning = "context-parallel degree",
                              .whole = true,
                              .default_from = "searched by the step model"};
inline constexpr Parameter ep{.key = "ep",
                              .min_si = 0,
                              .max_si = 1'000'000,
                              .meaning = "expert-parallel degree",
                              .whole = true,
                              .default_from = "searched by the step model"};
inline constexpr Parameter microbatch{.key = "microbatch",
                                      .min_si = 0,
                                      .max_si = 1'000'000,
                                      .meaning = "sequences per microbatch",
                                      .whole = true,
                                      .default_from = "searched by the step model"};
inline constexpr Parameter zero{.key = "zero",
                                .min_si = 0,
                                .max_si = 1'000'000,
                                .meaning = "ZeRO stage (0 to 3)",
                                .whole = true,
                                .default_from = "searched by the step model"};
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
