#!/bin/sh
# Search-rate benchmark of `capsim step` (target: >= 10,000,000 parallel configurations evaluated
# per second per core; the search is single-threaded). Usage: tools/bench-step.sh [path/to/capsim]  (default build/capsim)
# Prints one line per case: the model, the GPU count, configurations evaluated and configs/s.
set -eu
capsim=${1:-build/capsim}
[ -x "$capsim" ] || { echo "bench-step: no capsim binary at '$capsim' (build first)" >&2; exit 2; }

run() {
  label=$1; shift
  rate=$("$capsim" step --search "$@" 2>&1 >/dev/null | grep 'configs/s' || true)
  [ -n "$rate" ] || { echo "bench-step: '$label' printed no search rate" >&2; exit 1; }
  printf '%-34s %s\n' "$label" "${rate#capsim step: }"
}

# Megatron-LM 1T GPT (Narayanan et al. 2021, Table 1) on 3072 GPUs.
run "GPT 1T, 3072 A100" --gpu A100 --gpus 3072 --layers 128 --hidden 25600 --heads 160 --vocab 51200 \
  --seq 2048 --global-batch 3072
# GPT-3 175B on 12288 GPUs, long sequences (context parallelism enters the space).
run "GPT-3 175B, 12288 A100, seq 32k" --gpu A100 --gpus 12288 --layers 96 --hidden 12288 --heads 96 \
  --vocab 51200 --seq 32768 --global-batch 1536
# Mixture of experts, 64 experts top-2 (expert parallelism enters the space).
run "MoE 64x top-2, 4096 A100" --gpu A100 --gpus 4096 --layers 64 --hidden 8192 --ffn 16384 --heads 64 \
  --kv-heads 8 --vocab 128000 --seq 8192 --global-batch 4096 --experts 64 --top-k 2
# Llama 3 405B on 16,384 H100 (126 layers: uneven stages for every pp).
run "Llama 3 405B, 16384 H100" --gpu H100 --gpus 16384 --layers 126 --hidden 16384 \
  --ffn 53248 --heads 128 --kv-heads 8 --vocab 128256 --seq 8192 --global-batch 2048 --gated-ffn
# The same on GB200 NVL72 (72-GPU NVLink domains).
run "Llama 3 405B, 16416 GB200" --gpu GB200 --gpus 16416 --layers 126 --hidden 16384 \
  --ffn 53248 --heads 128 --kv-heads 8 --vocab 128256 --seq 8192 --global-batch 2052 --gated-ffn
