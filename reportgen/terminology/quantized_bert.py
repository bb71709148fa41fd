"""The int8 sentence encoder's forward pass in numpy, for one text at a time: what
`torch.ao.quantization.quantize_dynamic(model, {Linear}, qint8)` computes on x86 (fbgemm),
without importing torch and transformers (5 s of start-up for every process that searches).

Read from the model folder: `config.json`, `model.safetensors` (with `safetensors.numpy`; the
word-embedding rows of a text are read as needed) and `tokenizer.json` (with `tokenizers`).
Emulated as torch does it:
- each Linear weight is quantized once, per tensor and symmetric (torch's default dynamic
  qconfig): scale = max |w| / 127.5, q = round-half-even(w * (1 / scale)) in [-128, 127]
  (fbgemm multiplies by the inverse: w / scale would differ in one of the 10.6M weights);
- each Linear input is quantized per call, per tensor and affine, to quint8 with
  reduce_range (0..127), its scale and zero point chosen from its min and max as
  `quant_utils::ChooseQuantizationParams` does;
- the integer products are summed in float32, where they are integers: exact while a partial
  sum stays under 2^24 (always, for the 384-wide inputs; for the 1536-wide one the rare excess
  is a relative error of 6e-8), then scaled by the two scales and the bias added.
Everything else (embeddings, LayerNorm, attention, GELU) runs in float32 as in torch. Where a
float32 sum rounds differently from torch's kernels by one unit in the last place, an
activation can round to the neighbouring integer and the difference spreads: over the 382 dev
and test queries of bench/terminology_* the vectors have cosine 0.9996 on average to torch's
(batch of one; 0.963 at worst, 361 identical to 1e-5), the nearest 10 ICD-10-CM terms the same
set for 376. On 256 word pieces (a whole MTS-Dialog excerpt) the drift grows to 0.997 on average,
which is why the excerpt classifier keeps torch's vectors. GELU's erf is a polynomial (numpy has
none), to 1.5e-7.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

_ERF = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429, 0.3275911)  # Abramowitz-Stegun 7.1.26


@dataclass
class _Linear:
    """One quantized Linear layer (or several fused that read the same input): integer weights as float32."""

    weight: np.ndarray  # (in, out) integers in [-128, 127]
    scale: np.ndarray  # (out,) the weight scale of each output column
    bias: np.ndarray  # (out,)

    @classmethod
    def quantized(cls, weights: list[np.ndarray], biases: list[np.ndarray]) -> _Linear:
        width = sum(len(w) for w in weights)
        fused, scales = np.empty((weights[0].shape[1], width), dtype=np.float32), np.empty(width, dtype=np.float32)
        start = 0
        for w in weights:  # in place: start-up reads 10M weights
            scale = max(np.float32(max(-w.min(), w.max())) / np.float32(127.5), np.finfo(np.float32).eps)
            np.minimum(np.rint(np.multiply(w, np.float32(1) / scale, out=w), out=w), 127, out=w)  # w / scale: one weight differs
            fused[:, start:start + len(w)] = w.T
            scales[start:start + len(w)] = scale
            start += len(w)
        return cls(fused, scales, np.concatenate(biases))

    def __call__(self, x: np.ndarray) -> np.ndarray:
        scale, zero = _input_quantization(float(x.min()), float(x.max()))
        rows = len(x)
        q = np.zeros((-(-rows // 4) * 4, x.shape[1]), dtype=np.float32)  # OpenBLAS: 11 rows take 1.4x the time of 12
        np.clip(np.rint(x * (np.float32(1) / scale) + np.float32(zero)), 0, 255, out=q[:rows])
        q[:rows] -= np.float32(zero)
        return (q @ self.weight)[:rows] * (scale * self.scale) + self.bias


def _input_quantization(low: float, high: float, qmin: int = 0, qmax: int = 127) -> tuple[np.float32, int]:
    """Scale and zero point of a Linear input (quint8, reduce_range), as fbgemm chooses them."""
    low, high = min(low, 0.0), max(high, 0.0)
    scale = float(np.float32((high - low) / (qmax - qmin)))
    if scale == 0.0 or math.isinf(1.0 / scale):
        scale = 0.1
    from_low, from_high = qmin - low / scale, qmax - high / scale
    zero = from_low if abs(qmin) - abs(low / scale) < abs(qmax) - abs(high / scale) else from_high
    return np.float32(scale), qmin if zero < qmin else qmax if zero > qmax else round(zero)  # round: half to even


@dataclass
class _Layer:
    qkv: _Linear
    attention_out: _Linear
    attention_norm: tuple[np.ndarray, np.ndarray]
    intermediate: _Linear
    out: _Linear
    out_norm: tuple[np.ndarray, np.ndarray]


class QuantizedBert:
    """Mean-pooled, L2-normalized sentence vectors of a BERT model with int8 dynamic quantization."""

    def __init__(self, path: Path, max_tokens: int):
        from safetensors import safe_open
        from tokenizers import Tokenizer

        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
            raise ValueError(f"not a BERT model with GELU: {config.get('model_type')}, {config.get('hidden_act')}")
        self.heads, self.eps = int(config["num_attention_heads"]), float(config["layer_norm_eps"])
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_tokens)
        self._file = safe_open(str(path / "model.safetensors"), framework="np")
        get = self._file.get_tensor
        self.words = self._file.get_slice("embeddings.word_embeddings.weight")
        self.position = get("embeddings.position_embeddings.weight")
        self.token_type = get("embeddings.token_type_embeddings.weight")[0]
        self.norm = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))

        def linear(*names: str) -> _Linear:
            return _Linear.quantized([get(f"{n}.weight") for n in names], [get(f"{n}.bias") for n in names])

        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            at = f"encoder.layer.{i}."
            self.layers.append(_Layer(
                linear(*(f"{at}attention.self.{p}" for p in ("query", "key", "value"))),
                linear(f"{at}attention.output.dense"),
                (get(f"{at}attention.output.LayerNorm.weight"), get(f"{at}attention.output.LayerNorm.bias")),
                linear(f"{at}intermediate.dense"),
                linear(f"{at}output.dense"),
                (get(f"{at}output.LayerNorm.weight"), get(f"{at}output.LayerNorm.bias")),
            ))

    def vector(self, text: str) -> np.ndarray:
        ids = self.tokenizer.encode(text).ids
        n, width = len(ids), len(self.token_type)
        x = np.concatenate([self.words[i:i + 1] for i in ids]) + self.token_type + self.position[:n]  # torch's order of sums
        x = self._norm(x, self.norm)
        heads, size = self.heads, width // self.heads
        for layer in self.layers:
            q, k, v = layer.qkv(x).reshape(n, 3, heads, size).transpose(1, 2, 0, 3)
            weights = (q @ k.transpose(0, 2, 1)) * np.float32(1 / math.sqrt(size))
            weights = np.exp(weights - weights.max(-1, keepdims=True))
            context = ((weights / weights.sum(-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(n, width)
            x = self._norm(layer.attention_out(context) + x, layer.attention_norm)
            hidden = layer.intermediate(x)
            x = self._norm(layer.out(_gelu(hidden)) + x, layer.out_norm)
        pooled = x.mean(0)
        return (pooled / np.linalg.norm(pooled)).astype(np.float32)

    def _norm(self, x: np.ndarray, weights: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        variance = np.square(x - mean).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(variance + np.float32(self.eps)) * weights[0] + weights[1]


def _gelu(x: np.ndarray) -> Any:
    """x * Phi(x) with erf (BERT's "gelu"), erf to 1.5e-7 (numpy has none)."""
    a1, a2, a3, a4, a5, p = (np.float32(c) for c in _ERF)
    z = np.abs(x) * np.float32(1 / math.sqrt(2))
    t = np.float32(1) / (np.float32(1) + p * z)
    erf = np.float32(1) - ((((a5 * t + a4) * t + a3) * t + a2) * t + a1) * t * np.exp(-z * z)
    return x * np.float32(0.5) * (np.float32(1) + np.copysign(erf, x))
