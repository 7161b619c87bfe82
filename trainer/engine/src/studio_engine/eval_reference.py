"""The Python reference of the evaluation (docs/evaluation-contract.md §2–3, §7).

The product scores checkpoints in TypeScript (onnxruntime-node on the exported encoders, sharp for
decoding, transformers.js for preprocessing). This module computes the same quantities the way the
paper's metrics are usually computed in Python, so the TypeScript evaluator can be tested against it:

1. decode each image like training does (`images.open_rgb`: EXIF orientation, alpha over white, CMYK…);
2. preprocess with the Hugging Face image processors saved in the encoder folder (PIL backend);
3. embed with the PyTorch models whose weights the ONNX graphs were exported from;
4. score (§4.2 of the paper): CLIP-I and DINO = mean cosine over all (generated, real) pairs,
   CLIP-T = mean cosine between each generated image and its scoring prompt, per prompt as well,
   and the language-drift check = mean cosine of same-seed (checkpoint, base) pairs.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .errors import BadSpecError, ModelNotFoundError
from .eval_models import TEXT_LENGTH, clip_image_embeds, clip_text_embeds, dino_image_embeds, read_manifest
from .images import ImageInputError, open_rgb

BATCH = 16  # images per forward pass: bounded memory with the real encoders

# --- Metrics (contract §3): pure functions over embeddings, in float64. ---


def normalise(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (the encoders' outputs are not normalised)."""
    x = np.asarray(x, dtype=np.float64)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError("an embedding is all zeros; its cosine is undefined")
    return x / norms


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """cos(a_i, b_j) for every i, j."""
    return normalise(a) @ normalise(b).T


def mean_pairwise_cosine(generated: np.ndarray, real: np.ndarray) -> float:
    """CLIP-I (CLIP embeddings) and DINO (DINO embeddings): mean over all (g, r) pairs of cos(g, r)."""
    return float(cosine_matrix(generated, real).mean())


def mean_paired_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Mean over i of cos(a_i, b_i). CLIP-T: image i and its own scoring prompt. Drift: the checkpoint's
    and the base model's image for the same seed."""
    if len(a) != len(b):
        raise ValueError(f"paired cosine needs as many rows on both sides ({len(a)} vs {len(b)})")
    return float((normalise(a) * normalise(b)).sum(axis=-1).mean())


def subject_scores(gen_clip: np.ndarray, gen_dino: np.ndarray, prompt_clip: np.ndarray, real_clip: np.ndarray, real_dino: np.ndarray) -> dict[str, float]:
    """The three numbers for one set of generated images (prompt_clip[i] is the scoring prompt of image i)."""
    return {
        "clipI": mean_pairwise_cosine(gen_clip, real_clip),
        "clipT": mean_paired_cosine(gen_clip, prompt_clip),
        "dino": mean_pairwise_cosine(gen_dino, real_dino),
    }


def evaluation_metrics(
    gen_clip: np.ndarray,
    gen_dino: np.ndarray,
    prompt_clip: np.ndarray,
    prompt_index: Sequence[int],
    real_clip: np.ndarray,
    real_dino: np.ndarray,
    drift: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> dict[str, Any]:
    """All generated images, then each prompt's images, then (when given: checkpoint clip, checkpoint
    dino, base clip, base dino) the drift pairs."""
    gen_clip, gen_dino, prompt_clip = np.asarray(gen_clip), np.asarray(gen_dino), np.asarray(prompt_clip)
    index = np.asarray(prompt_index)
    out: dict[str, Any] = subject_scores(gen_clip, gen_dino, prompt_clip, real_clip, real_dino)
    out["perPrompt"] = []
    for p in sorted(set(int(i) for i in index)):
        mine = index == p
        scores = subject_scores(gen_clip[mine], gen_dino[mine], prompt_clip[mine], real_clip, real_dino)
        out["perPrompt"].append({"promptIndex": p, **scores, "imageCount": int(mine.sum())})
    if drift is not None:
        ck_clip, ck_dino, base_clip, base_dino = drift
        out["drift"] = {"clipI": mean_paired_cosine(ck_clip, base_clip), "dino": mean_paired_cosine(ck_dino, base_dino)}
    return out


# --- Decoding, preprocessing and embeddings (contract §2). ---


def decoded_info(img) -> dict[str, Any]:
    """What the TypeScript decoder must reproduce: size and the hash of the 8-bit RGB bytes (row-major, RGBRGB…)."""
    return {"width": img.width, "height": img.height, "sha256": hashlib.sha256(img.tobytes()).hexdigest()}


@dataclass
class ReferenceEncoders:
    """The PyTorch encoders, tokenizer and image processors of one encoder folder (eval_models.py)."""

    clip: torch.nn.Module
    tokenizer: Any
    clip_processor: Any
    dino: torch.nn.Module
    dino_processor: Any

    @classmethod
    def load(cls, models_dir: str | Path) -> ReferenceEncoders:
        from transformers import AutoImageProcessor, AutoTokenizer, CLIPModel, ViTModel

        folder = Path(models_dir)
        if read_manifest(folder) is None:
            raise ModelNotFoundError(
                "EVAL_MODELS_NOT_FOUND",
                f"{folder} is not a complete encoder folder; build it with `python -m studio_engine export-eval-models --out {folder}` (--tiny for tests)",
                "models",
            )
        # The PIL backend is the processors' reference implementation (and what these models were
        # evaluated with); pinning it keeps the numbers the same whether or not torchvision is installed.
        return cls(
            clip=CLIPModel.from_pretrained(folder / "clip", dtype=torch.float32).eval(),
            tokenizer=AutoTokenizer.from_pretrained(folder / "clip"),
            clip_processor=AutoImageProcessor.from_pretrained(folder / "clip", backend="pil"),
            dino=ViTModel.from_pretrained(folder / "dino", add_pooling_layer=False, dtype=torch.float32).eval(),
            dino_processor=AutoImageProcessor.from_pretrained(folder / "dino", backend="pil"),
        )

    def clip_pixels(self, images: list) -> np.ndarray:
        """float32 [N, 3, 224, 224]: the CLIP image encoder's input."""
        return _pixels(self.clip_processor, images)

    def dino_pixels(self, images: list) -> np.ndarray:
        """float32 [N, 3, 224, 224]: the DINO encoder's input."""
        return _pixels(self.dino_processor, images)

    @torch.no_grad()
    def clip_image(self, pixels: np.ndarray) -> np.ndarray:
        return _batched(lambda x: clip_image_embeds(self.clip, x), torch.from_numpy(pixels))

    @torch.no_grad()
    def dino_image(self, pixels: np.ndarray) -> np.ndarray:
        return _batched(lambda x: dino_image_embeds(self.dino, x), torch.from_numpy(pixels))

    @torch.no_grad()
    def clip_text(self, texts: list[str]) -> np.ndarray:
        """Tokenized like the TypeScript side: padded with EOS and truncated to 77 tokens."""
        if not texts:
            return np.zeros((0, self.clip.config.projection_dim), np.float32)
        ids = self.tokenizer(texts, padding="max_length", max_length=TEXT_LENGTH, truncation=True, return_tensors="pt")["input_ids"]
        return _batched(lambda x: clip_text_embeds(self.clip, x), ids)


def _pixels(processor, images: list) -> np.ndarray:
    if not images:
        return np.zeros((0, 3, 224, 224), np.float32)
    return np.concatenate([processor(images=images[i : i + BATCH], return_tensors="np")["pixel_values"] for i in range(0, len(images), BATCH)]).astype(np.float32)


def _batched(fn, x: torch.Tensor) -> np.ndarray:
    return torch.cat([fn(x[i : i + BATCH]) for i in range(0, len(x), BATCH)]).float().numpy()


# --- The reference CLI's request (contract §7). ---


def _bad(message: str, field: str = "request") -> BadSpecError:
    return BadSpecError("BAD_REQUEST", message, field)


def _strings(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _bad(f"{field}: must be a list of non-empty strings", field)
    return value


def _matrix(value: Any, field: str) -> np.ndarray:
    try:
        m = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        m = None
    if m is None or m.ndim != 2 or m.shape[0] == 0 or not np.all(np.isfinite(m)):
        raise _bad(f"{field}: must be a non-empty list of equally long lists of finite numbers", field)
    return m


class _Rows:
    """Resolves the image and text references of `metrics` to rows of the embedding matrices.

    A reference is an index (into `images`/`texts`, or into the rows of `embeddings`) or, when the request
    has no `embeddings`, a path / prompt string (embedded on demand, once per distinct string)."""

    def __init__(self, images: list[str], texts: list[str], by_index_only: bool) -> None:
        self.images, self.texts, self.by_index_only = list(images), list(texts), by_index_only
        self.n_images, self.n_texts = len(images), len(texts)

    def _ref(self, ref: Any, table: list[str], given: int, field: str) -> int:
        if isinstance(ref, int) and not isinstance(ref, bool):
            if not 0 <= ref < given:
                raise _bad(f"{field}: index {ref} is out of range (0..{given - 1})", field)
            return ref
        if isinstance(ref, str) and ref and not self.by_index_only:
            if ref not in table:
                table.append(ref)
            return table.index(ref)
        what = "an index" if self.by_index_only else "an index or a non-empty string"
        raise _bad(f"{field}: must be {what}", field)

    def image(self, ref: Any, field: str) -> int:
        return self._ref(ref, self.images, self.n_images, field)

    def text(self, ref: Any, field: str) -> int:
        return self._ref(ref, self.texts, self.n_texts, field)


def _metric_plan(metrics: Any, rows: _Rows) -> dict[str, Any]:
    """Validates `metrics` and turns every reference into a row index."""
    if not isinstance(metrics, dict):
        raise _bad("metrics: must be an object", "metrics")
    generated, real = metrics.get("generated"), metrics.get("real")
    if not isinstance(generated, list) or not generated:
        raise _bad("metrics.generated: must be a non-empty list", "metrics.generated")
    if not isinstance(real, list) or not real:
        raise _bad("metrics.real: must be a non-empty list", "metrics.real")
    plan: dict[str, Any] = {"gen": [], "prompt": [], "promptIndex": []}
    for i, g in enumerate(generated):
        f = f"metrics.generated[{i}]"
        if not isinstance(g, dict):
            raise _bad(f"{f}: must be an object", f)
        p = g.get("promptIndex")
        if not isinstance(p, int) or isinstance(p, bool) or p < 0:
            raise _bad(f"{f}.promptIndex: must be an integer >= 0", f"{f}.promptIndex")
        plan["gen"].append(rows.image(g["image"] if "image" in g else g.get("path"), f"{f}.path"))
        plan["prompt"].append(rows.text(g["text"] if "text" in g else g.get("scoringPrompt"), f"{f}.scoringPrompt"))
        plan["promptIndex"].append(p)
    plan["real"] = [rows.image(r, f"metrics.real[{i}]") for i, r in enumerate(real)]
    drift = metrics.get("drift")
    if drift is not None:
        if not isinstance(drift, dict) or not isinstance(drift.get("checkpoint"), list) or not isinstance(drift.get("base"), list):
            raise _bad("metrics.drift: must be {checkpoint: [...], base: [...]}", "metrics.drift")
        if not drift["checkpoint"] or len(drift["checkpoint"]) != len(drift["base"]):
            raise _bad("metrics.drift: checkpoint and base must be non-empty and of equal length (pairs by seed)", "metrics.drift")
        plan["drift"] = (
            [rows.image(r, f"metrics.drift.checkpoint[{i}]") for i, r in enumerate(drift["checkpoint"])],
            [rows.image(r, f"metrics.drift.base[{i}]") for i, r in enumerate(drift["base"])],
        )
    return plan


def _score(plan: dict[str, Any], clip_img: np.ndarray, dino_img: np.ndarray, clip_txt: np.ndarray) -> dict[str, Any]:
    drift = None
    if "drift" in plan:
        ck, base = plan["drift"]
        drift = (clip_img[ck], dino_img[ck], clip_img[base], dino_img[base])
    gen, real = plan["gen"], plan["real"]
    return evaluation_metrics(clip_img[gen], dino_img[gen], clip_txt[plan["prompt"]], plan["promptIndex"], clip_img[real], dino_img[real], drift)


def run_request(request: Any, models_dir: str | Path | None) -> dict[str, Any]:
    """Answers one reference request (see contract §7). Encoders are loaded only when something must be
    embedded, so a request with `embeddings` checks the metric formulas alone."""
    if not isinstance(request, dict):
        raise _bad("the request must be a JSON object")
    unknown = set(request) - {"images", "texts", "includePixels", "embeddings", "metrics"}
    if unknown:
        raise _bad(f"unknown request fields: {', '.join(sorted(unknown))}")
    include_pixels = request.get("includePixels", False)
    if not isinstance(include_pixels, bool):
        raise _bad("includePixels: must be a boolean", "includePixels")

    if "embeddings" in request:
        if request.get("images") or request.get("texts") or include_pixels:
            raise _bad("embeddings: give either embeddings or images/texts, not both", "embeddings")
        emb = request["embeddings"]
        if not isinstance(emb, dict):
            raise _bad("embeddings: must be {clipImage, dinoImage, clipText}", "embeddings")
        clip_img = _matrix(emb.get("clipImage"), "embeddings.clipImage")
        dino_img = _matrix(emb.get("dinoImage"), "embeddings.dinoImage")
        clip_txt = _matrix(emb.get("clipText"), "embeddings.clipText")
        if len(clip_img) != len(dino_img):
            raise _bad("embeddings: clipImage and dinoImage must have one row per image", "embeddings")
        if "metrics" not in request:
            raise _bad("metrics: required with embeddings", "metrics")
        plan = _metric_plan(request["metrics"], _Rows([""] * len(clip_img), [""] * len(clip_txt), by_index_only=True))
        return {"metrics": _score(plan, clip_img, dino_img, clip_txt)}

    images, texts = _strings(request.get("images"), "images"), _strings(request.get("texts"), "texts")
    rows = _Rows(images, texts, by_index_only=False)
    plan = _metric_plan(request["metrics"], rows) if "metrics" in request else None
    if models_dir is None:
        raise _bad("--models: required to embed images or texts", "models")
    enc = ReferenceEncoders.load(models_dir)

    decoded = []
    for path in rows.images:  # the request's images first, then those only `metrics` names
        try:
            decoded.append(open_rgb(path))
        except ImageInputError as err:
            raise BadSpecError(err.code, err.message, "images") from err
    clip_pixels, dino_pixels = enc.clip_pixels(decoded), enc.dino_pixels(decoded)
    clip_img, dino_img = enc.clip_image(clip_pixels), enc.dino_image(dino_pixels)
    clip_txt = enc.clip_text(rows.texts)

    n, t = len(images), len(texts)
    out: dict[str, Any] = {
        "decoded": [decoded_info(img) for img in decoded[:n]],
        "clipImage": clip_img[:n].tolist(),
        "dinoImage": dino_img[:n].tolist(),
        "clipText": clip_txt[:t].tolist(),
    }
    if include_pixels:
        out["clipPixels"] = clip_pixels[:n].reshape(n, -1).tolist()
        out["dinoPixels"] = dino_pixels[:n].reshape(n, -1).tolist()
    if plan is not None:
        out["metrics"] = _score(plan, clip_img, dino_img, clip_txt)
    return out


def write_json_atomically(path: str | Path, doc: Any) -> Path:
    """The answer appears whole or not at all (written beside, then renamed)."""
    import json

    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(doc, separators=(",", ":"), allow_nan=False))
    os.replace(tmp, path)
    return path
