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
