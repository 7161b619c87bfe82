"""The encoders behind the paper's metrics (§4.2), exported to ONNX for the TypeScript evaluator.

CLIP-I and CLIP-T use CLIP ViT-B/32 (`openai/clip-vit-base-patch32`), DINO uses DINO ViT-S/16
(`facebook/dino-vits16`), as in the paper and in DreamBooth's evaluation. The evaluator runs them
with onnxruntime-node; this module writes the folder it reads (docs/evaluation-contract.md §1):

    DIR/manifest.json
    DIR/clip/{vision.onnx, text.onnx, preprocessor_config.json, tokenizer.json, tokenizer_config.json,
              special_tokens_map.json, config.json, model.safetensors}
    DIR/dino/{vision.onnx, preprocessor_config.json, config.json, model.safetensors}

The PyTorch weights sit beside the ONNX files so that the Python reference (`eval_reference.py`)
computes its embeddings with exactly the weights the ONNX graphs were exported from.

`--tiny` builds small random encoders of the same two families (same tokenizer, same preprocessing,
same graph structure; only the networks are small) so tests run offline on a CPU in seconds. Real
and tiny encoders go through the same export code.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import BadSpecError, ModelNotFoundError

CLIP_ID = "openai/clip-vit-base-patch32"
DINO_ID = "facebook/dino-vits16"
MANIFEST_VERSION = 1
TINY_SEED = 0
TINY_REVISION = f"tiny-v1-seed{TINY_SEED}"
IMAGE_SIZE = 224
TEXT_LENGTH = 77  # CLIP's context length; the tokenizer pads and truncates to it
ONNX_OPSET = 18
EOS_TOKEN = "<|endoftext|>"

# What makes a folder complete: a reader may trust a folder that has all of these.
REQUIRED_FILES = (
    "manifest.json",
    "clip/vision.onnx",
    "clip/text.onnx",
    "clip/preprocessor_config.json",
    "clip/tokenizer.json",
    "clip/tokenizer_config.json",
    "clip/special_tokens_map.json",
    "clip/config.json",
    "clip/model.safetensors",
    "dino/vision.onnx",
    "dino/preprocessor_config.json",
    "dino/config.json",
    "dino/model.safetensors",
)

if TYPE_CHECKING:
    import torch

# torch and transformers are imported where they are used: finding a complete folder must stay fast.

Log = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(f"studio_engine: {msg}", file=sys.stderr, flush=True)


# --- The three embeddings (contract §1). The ONNX graphs and the Python reference both call these. ---


def clip_image_embeds(clip: torch.nn.Module, pixel_values: torch.Tensor) -> torch.Tensor:
    """CLIP's projected image embedding: visual_projection(post_layernorm(class token)). Not normalised."""
    return clip.get_image_features(pixel_values=pixel_values).pooler_output


def clip_text_embeds(clip: torch.nn.Module, input_ids: torch.Tensor) -> torch.Tensor:
    """CLIP's projected text embedding: text_projection(final_layernorm(hidden state at the first EOS)).

    transformers pools at the first token equal to `eos_token_id`, or, for configs published before
    transformers#24773 (openai/clip-vit-base-patch32 says eos_token_id=2), at the first occurrence of the
    highest token id. With CLIP's 49408-token vocabulary the highest id is EOS (49407), so both rules pick
    the first EOS — padding with EOS after it does not move it. No attention mask: the text encoder is
    causal, so tokens after the first EOS cannot change it.
    """
    return clip.get_text_features(input_ids=input_ids).pooler_output


def dino_image_embeds(vit: torch.nn.Module, pixel_values: torch.Tensor) -> torch.Tensor:
    """DINO's image embedding: the [CLS] token of last_hidden_state (after the final layernorm)."""
    return vit(pixel_values=pixel_values).last_hidden_state[:, 0]


def embedding_graph(model: torch.nn.Module, fn: Callable[..., torch.Tensor]) -> torch.nn.Module:
    """One embedding function as a module with a single tensor in and out, which is what ONNX export needs."""
    import torch

    class Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return fn(self.model, x)

    return Graph().eval()


# --- Tokenizer and preprocessing: the real models' own settings, also for the tiny encoders. ---


def clip_image_processor():
    """openai/clip-vit-base-patch32's preprocessing: resize the shortest edge to 224 (bicubic), centre crop
    224x224, scale to [0,1], normalise with CLIP's mean/std. These are the values that repo publishes; the
    real export takes the processor from the Hub itself (same values, re-saved in the current format)."""
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    return CLIPImageProcessorPil(
        do_resize=True,
        size={"shortest_edge": IMAGE_SIZE},
        resample=3,  # PIL bicubic
        do_center_crop=True,
        crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE},
        do_rescale=True,
        rescale_factor=1 / 255,
        do_normalize=True,
        image_mean=[0.48145466, 0.4578275, 0.40821073],
        image_std=[0.26862954, 0.26130258, 0.27577711],
        do_convert_rgb=True,
    )


def dino_image_processor():
    """facebook/dino-vits16's preprocessing (a ViT image processor): resize to 224x224 (bilinear, no crop),
    scale to [0,1], normalise with ImageNet mean/std. Values as that repo publishes them; the real export
    takes the processor from the Hub itself."""
    from transformers.models.vit.image_processing_pil_vit import ViTImageProcessorPil

    return ViTImageProcessorPil(
        do_resize=True,
        size={"height": IMAGE_SIZE, "width": IMAGE_SIZE},
        resample=2,  # PIL bilinear
        do_rescale=True,
        rescale_factor=1 / 255,
        do_normalize=True,
        image_mean=[0.485, 0.456, 0.406],
        image_std=[0.229, 0.224, 0.225],
    )


def clip_tokenizer():
    """CLIP's BPE tokenizer (49408 tokens) from the vocabulary open-clip-torch ships — the same one
    `tiny.py` builds for tiny-random — with openai/clip-vit-base-patch32's settings: pad with EOS, 77 tokens."""
    from transformers import CLIPTokenizer

    from .tiny import write_clip_tokenizer

    with tempfile.TemporaryDirectory() as tmp:
        write_clip_tokenizer(Path(tmp))
        return CLIPTokenizer.from_pretrained(tmp, pad_token=EOS_TOKEN, model_max_length=TEXT_LENGTH)


# --- The two sources of encoders: tiny random ones, or the real ones from the Hub / HF cache. ---


@dataclass
class Encoders:
    clip: torch.nn.Module  # transformers CLIPModel
    tokenizer: Any
    clip_processor: Any
    dino: torch.nn.Module  # transformers ViTModel without its pooling layer
    dino_processor: Any
    tiny: bool
    clip_source: dict[str, str]  # {"id", "revision"}
    dino_source: dict[str, str]


def tiny_encoders(seed: int = TINY_SEED) -> Encoders:
    """Small random CLIP and DINO ViT (hidden 32, 2 layers): same families, same inputs and outputs,
    same preprocessing and tokenizer as the real ones. Same seed → same weights."""
    import torch
    from transformers import CLIPConfig, CLIPModel, ViTConfig, ViTModel

    torch.manual_seed(seed)
    layers = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4)
    clip = CLIPModel(
        CLIPConfig(
            text_config=dict(**layers, vocab_size=49408, max_position_embeddings=TEXT_LENGTH, bos_token_id=49406, eos_token_id=49407, pad_token_id=49407),
            vision_config=dict(**layers, image_size=IMAGE_SIZE, patch_size=32),
            projection_dim=32,
        )
    )
    dino = ViTModel(ViTConfig(**layers, image_size=IMAGE_SIZE, patch_size=16), add_pooling_layer=False)
    return Encoders(
        clip=clip.eval(),
        tokenizer=clip_tokenizer(),
        clip_processor=clip_image_processor(),
        dino=dino.eval(),
        dino_processor=dino_image_processor(),
        tiny=True,
        clip_source={"id": "tiny-random-clip", "revision": TINY_REVISION},
        dino_source={"id": "tiny-random-dino", "revision": TINY_REVISION},
    )


def _not_available(model_id: str, field: str, err: Exception) -> ModelNotFoundError:
    first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return ModelNotFoundError(
        "EVAL_MODEL_NOT_FOUND",
        f"could not load {model_id} from the Hugging Face Hub or the local cache ({first_line}). "
        f"Run `python -m studio_engine export-eval-models --out DIR` on a machine with internet access "
        f"(HF_HUB_OFFLINE unset), or with {model_id} in its Hugging Face cache (HF_HOME), and copy DIR here; "
        f"tests and offline demos use `--tiny` instead.",
        field,
    )


def _revision(model_id: str, field: str) -> str:
    """The Hub commit the files come from (the snapshot folder's name), or a content hash for a local
    folder. Resolved before any weights are loaded, so a model that cannot be fetched fails in a second."""
    if Path(model_id).is_dir():
        from .models import fingerprint

        return "local-" + fingerprint(Path(model_id))[:16]
    try:
        from huggingface_hub import hf_hub_download

        return Path(hf_hub_download(model_id, "config.json")).parent.name
    except Exception as err:  # noqa: BLE001 - offline, unknown repo, no access: all mean "not available"
        raise _not_available(model_id, field, err) from err


def pretrained_encoders(clip_id: str = CLIP_ID, dino_id: str = DINO_ID) -> Encoders:
    """The real encoders, from the Hub (downloads once into the HF cache) or from the cache / a local folder."""
    clip_source = {"id": clip_id, "revision": _revision(clip_id, "clip")}
    dino_source = {"id": dino_id, "revision": _revision(dino_id, "dino")}

    import torch
    from transformers import AutoImageProcessor, CLIPModel, CLIPTokenizer, ViTModel

    try:
        revision = None if Path(clip_id).is_dir() else clip_source["revision"]  # exactly the files the manifest names
        clip = CLIPModel.from_pretrained(clip_id, revision=revision, dtype=torch.float32)
        tokenizer = CLIPTokenizer.from_pretrained(clip_id, revision=revision, pad_token=EOS_TOKEN, model_max_length=TEXT_LENGTH)
        clip_processor = AutoImageProcessor.from_pretrained(clip_id, revision=revision, backend="pil")
    except OSError as err:
        raise _not_available(clip_id, "clip", err) from err
    try:
        revision = None if Path(dino_id).is_dir() else dino_source["revision"]
        dino = ViTModel.from_pretrained(dino_id, revision=revision, add_pooling_layer=False, dtype=torch.float32)
        dino_processor = AutoImageProcessor.from_pretrained(dino_id, revision=revision, backend="pil")
    except OSError as err:
        raise _not_available(dino_id, "dino", err) from err
    return Encoders(clip.eval(), tokenizer, clip_processor, dino.eval(), dino_processor, False, clip_source, dino_source)


# --- The folder: complete or absent, never half-written. ---


def read_manifest(folder: str | Path) -> dict[str, Any] | None:
    """The manifest of a complete encoder folder, or None when the folder is missing or incomplete."""
    folder = Path(folder)
    if not all((folder / name).is_file() and (folder / name).stat().st_size > 0 for name in REQUIRED_FILES):
        return None
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("version") == MANIFEST_VERSION else None


def _matches(manifest: dict[str, Any], tiny: bool, clip_id: str, dino_id: str) -> bool:
    if manifest.get("tiny") is not tiny:
        return False
    return tiny or (manifest["clip"].get("id") == clip_id and manifest["dino"].get("id") == dino_id)


def export_onnx(module: torch.nn.Module, example: torch.Tensor, input_name: str, output_name: str, path: Path) -> None:
    """One self-contained .onnx file (weights inside), batch dimension dynamic, through torch's default
    (dynamo) exporter. The example batch is 2, not 1: an example batch of 1 would be specialised away."""
    import logging

    import torch

    # "torchvision is not installed. Skipping torchvision::nms": true, and irrelevant to these models.
    logging.getLogger("torch.onnx._internal.exporter._registration").setLevel(logging.ERROR)
    graph = module.eval()
    with torch.no_grad():
        program = torch.onnx.export(
            graph,
            (example,),
            dynamo=True,
            input_names=[input_name],
            output_names=[output_name],
            dynamic_shapes={"x": {0: torch.export.Dim("batch", min=1, max=4096)}},
            opset_version=ONNX_OPSET,
            external_data=False,
            verbose=False,
        )
    program.save(str(path), external_data=False)


def _write_encoders(enc: Encoders, out: Path, log: Log) -> None:
    """Everything but the manifest: PyTorch weights + configs, tokenizer, preprocessing, ONNX graphs."""
    import torch

    clip_dir, dino_dir = out / "clip", out / "dino"
    enc.clip.save_pretrained(clip_dir, safe_serialization=True)
    enc.dino.save_pretrained(dino_dir, safe_serialization=True)
    enc.clip_processor.save_pretrained(clip_dir)
    enc.dino_processor.save_pretrained(dino_dir)
    enc.tokenizer.save_pretrained(clip_dir)
    # transformers 5 no longer writes special_tokens_map.json; the contract lists it, older readers use it.
    specials = {k: str(getattr(enc.tokenizer, k)) for k in ("bos_token", "eos_token", "unk_token", "pad_token")}
    (clip_dir / "special_tokens_map.json").write_text(json.dumps(specials, indent=2) + "\n")
    config = json.loads((clip_dir / "tokenizer_config.json").read_text())
    for key in ("is_local", "local_files_only"):  # how this process loaded it, not a property of the tokenizer
        config.pop(key, None)
    (clip_dir / "tokenizer_config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")

    images = torch.zeros(2, 3, IMAGE_SIZE, IMAGE_SIZE)
    ids = torch.tensor(enc.tokenizer(["a photo", "a photo of a dog"], padding="max_length", max_length=TEXT_LENGTH, truncation=True)["input_ids"])
    # Library chatter (the exporter prints progress with print()) must not reach our stdout: it carries events.
    with contextlib.redirect_stdout(sys.stderr):
        for name, graph, example, input_name, output_name, target in (
            ("CLIP image", embedding_graph(enc.clip, clip_image_embeds), images, "pixel_values", "image_embeds", clip_dir / "vision.onnx"),
            ("CLIP text", embedding_graph(enc.clip, clip_text_embeds), ids, "input_ids", "text_embeds", clip_dir / "text.onnx"),
            ("DINO image", embedding_graph(enc.dino, dino_image_embeds), images, "pixel_values", "image_embeds", dino_dir / "vision.onnx"),
        ):
            log(f"exporting the {name} encoder to {target.relative_to(out)}")
            export_onnx(graph, example, input_name, output_name, target)


def _manifest(enc: Encoders) -> dict[str, Any]:
    return {
        "version": MANIFEST_VERSION,
        "tiny": enc.tiny,
        "clip": {**enc.clip_source, "imageSize": int(enc.clip.config.vision_config.image_size), "embedDim": int(enc.clip.config.projection_dim)},
        "dino": {**enc.dino_source, "imageSize": int(enc.dino.config.image_size), "embedDim": int(enc.dino.config.hidden_size)},
        "createdAt": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


def _publish_tree(root: Path) -> None:
    """Readable by everyone (mkdtemp and some writers make files private; the API may run as another
    user), and on disk before the rename makes the folder visible."""
    for p in sorted(root.rglob("*"), reverse=True) + [root]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class ExportResult:
    folder: Path
    already_present: bool
    manifest: dict[str, Any]

    def files(self) -> list[dict[str, Any]]:
        """The ONNX graphs with their sizes and hashes (one `export.file` event each)."""
        out = []
        for name in ("clip/vision.onnx", "clip/text.onnx", "dino/vision.onnx"):
            p = self.folder / name
            out.append({"name": name, "path": str(p), "sha256": _sha256(p), "bytes": p.stat().st_size})
        return out


def export_eval_models(
    out: str | Path,
    tiny: bool,
    clip_id: str = CLIP_ID,
    dino_id: str = DINO_ID,
    force: bool = False,
    log: Log = _stderr,
) -> ExportResult:
    """Builds the encoder folder at `out`, atomically: everything is written into a sibling temporary
    folder, fsynced, then renamed into place, so a reader finds a complete folder or none.

    A complete folder of the same kind already there is kept (a fast no-op) unless `force`. Anything
    else already at `out` (but an empty folder) is refused without `force`: deleting what we did not
    write takes an explicit request.
    """
    out = Path(out).absolute()
    existing = read_manifest(out)
    if existing is not None and not force and _matches(existing, tiny, clip_id, dino_id):
        log(f"encoders already present in {out}")
        return ExportResult(out, True, existing)
    if out.exists() and not force and not (out.is_dir() and not any(out.iterdir())):
        what = "a different encoder folder" if existing is not None else "something that is not a complete encoder folder"
        raise BadSpecError("EVAL_MODELS_DIR_EXISTS", f"{out} already holds {what}; pass --force to replace it", "out")

    enc = tiny_encoders() if tiny else pretrained_encoders(clip_id, dino_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{out.name}.tmp-", dir=out.parent))
    try:
        _write_encoders(enc, tmp, log)
        manifest = _manifest(enc)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")  # last: it marks the folder complete
        _publish_tree(tmp)
        ours = _move_into_place(tmp, out, force, tiny, clip_id, dino_id, log)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    final = read_manifest(out)
    if final is None:
        raise RuntimeError(f"{out} is incomplete right after it was written")
    return ExportResult(out, not ours, final)


def _move_into_place(tmp: Path, out: Path, replace: bool, tiny: bool, clip_id: str, dino_id: str, log: Log) -> bool:
    """rename(2) is atomic (and may replace an empty folder). With `replace`, a folder already there is
    first moved aside, then deleted. False when another process put the same kind of folder there
    first (then we keep theirs)."""
    old = None
    ours = True
    if replace and out.exists():
        old = Path(tempfile.mkdtemp(prefix=f"{out.name}.old-", dir=out.parent))
        os.rename(out, old / "folder")
    try:
        os.rename(tmp, out)
    except OSError:
        # Another process built the same folder between our check and now: keep theirs if it is what we want.
        theirs = read_manifest(out)
        if theirs is None or not _matches(theirs, tiny, clip_id, dino_id):
            raise
        log(f"another process wrote {out} first; keeping it")
        ours = False
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    fd = os.open(out.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    if ours:
        log(f"encoders written to {out}")
    return ours
