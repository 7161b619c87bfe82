"""The key map between diffusers' folders and the original Stable Diffusion (LDM) single file.

AUTOMATIC1111 and ComfyUI load one `.safetensors` holding the whole model in the key layout of
Stability's original code (`ldm`), not diffusers' per-component folders. Both layouts hold the same
tensors under other names, so an export is a rename (plus two reshapes) and an import its inverse:

| group        | single-file prefix         | diffusers → original                                                     |
|--------------|----------------------------|--------------------------------------------------------------------------|
| UNet         | `model.diffusion_model.`   | `down_blocks.i.resnets.j` → `input_blocks.k.0` (k = 1 + i·(L+1) + j),    |
|              |                            | `…attentions.j` → `input_blocks.k.1`, downsampler → `input_blocks.k.0.op`,|
|              |                            | `mid_block` → `middle_block.0/1/2`, `up_blocks.i` → `output_blocks.k`,   |
|              |                            | resnet `norm1/conv1/time_emb_proj/norm2/conv2/conv_shortcut` →           |
|              |                            | `in_layers.0/in_layers.2/emb_layers.1/out_layers.0/out_layers.3/skip_connection` |
| VAE          | `first_stage_model.`       | `down_blocks.i.resnets.j` → `down.i.block.j`, decoder `up_blocks.i` →    |
|              |                            | `up.(n-1-i)` (reversed), `mid_block` → `mid.block_1/attn_1/block_2`,     |
|              |                            | attention `to_q/to_k/to_v/to_out.0` (linear) → `q/k/v/proj_out` (1×1 conv)|
| text encoder | `cond_stage_model.model.`  | SD 2.x's OpenCLIP layout: `encoder.layers.i` → `transformer.resblocks.i`,|
|              |                            | `q_proj/k_proj/v_proj` fused into `attn.in_proj_weight/bias` (rows q,k,v)|

The map is data: `key_map()` expands the block tables below for one model's config into
{original key: (diffusers keys, op)}; every diffusers tensor must land in exactly one entry, so a
layout this table does not know fails loudly instead of exporting a file with holes.
diffusers' `scripts/convert_diffusers_to_original_stable_diffusion.py` does the same job; this is the
studio's own table (tests cross-check it against diffusers' independent loader).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch

GROUPS = ("unet", "vae", "text_encoder")
PREFIX = {"unet": "model.diffusion_model.", "vae": "first_stage_model.", "text_encoder": "cond_stage_model.model."}

# Renames inside one building block: (diffusers name, original name), matched on whole dotted parts.
UNET_RESNET = (
    ("norm1", "in_layers.0"),
    ("conv1", "in_layers.2"),
    ("time_emb_proj", "emb_layers.1"),
    ("norm2", "out_layers.0"),
    ("conv2", "out_layers.3"),
    ("conv_shortcut", "skip_connection"),
)
VAE_RESNET = (("conv_shortcut", "nin_shortcut"),)
VAE_ATTENTION = (("group_norm", "norm"), ("to_q", "q"), ("to_k", "k"), ("to_v", "v"), ("to_out.0", "proj_out"))
CLIP_LAYER = (
    ("layer_norm1", "ln_1"),
    ("layer_norm2", "ln_2"),
    ("mlp.fc1", "mlp.c_fc"),
    ("mlp.fc2", "mlp.c_proj"),
    ("self_attn.out_proj", "attn.out_proj"),
)
# OpenCLIP keeps one fused input projection per layer: rows [q; k; v] of `attn.in_proj_weight/bias`.
CLIP_FUSED_QKV = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj")
# The VAE's attention is a 1×1 convolution in the original code and a linear layer in diffusers.
VAE_CONV_1X1 = {"q.weight", "k.weight", "v.weight", "proj_out.weight"}
# Buffers diffusers/transformers may save that are not weights (rebuilt from the config on load).
NOT_WEIGHTS = {"embeddings.position_ids"}


class KeyMapError(ValueError):
    """A diffusers tensor that the table has no place for (an architecture the studio cannot export)."""


@dataclass(frozen=True)
class Block:
    diffusers: str  # key prefix, with the trailing dot
    original: str
    inner: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Target:
    """One tensor of the single file and the diffusers tensors it is made of.

    op: `copy` | `conv1x1` (linear [o, i] → conv [o, i, 1, 1]) | `concat` (rows of q, k, v) |
    `transpose` (OpenCLIP's text_projection is x @ P, transformers' is a Linear: P = W.T)."""

    sources: tuple[str, ...]
    op: str = "copy"


def unet_blocks(config: dict) -> list[Block]:
    L = config["layers_per_block"]
    if not isinstance(L, int):
        raise KeyMapError("UNets with a different number of layers per block are not supported")
    n = len(config["block_out_channels"])
    down_attn = ["CrossAttn" in t for t in config["down_block_types"]]
    up_attn = ["CrossAttn" in t for t in config["up_block_types"]]
    blocks = [
        Block("time_embedding.linear_1.", "time_embed.0."),
        Block("time_embedding.linear_2.", "time_embed.2."),
        Block("conv_in.", "input_blocks.0.0."),
        Block("conv_norm_out.", "out.0."),
        Block("conv_out.", "out.2."),
        Block("mid_block.resnets.0.", "middle_block.0.", UNET_RESNET),
        Block("mid_block.attentions.0.", "middle_block.1."),
        Block("mid_block.resnets.1.", "middle_block.2.", UNET_RESNET),
    ]
    for i in range(n):  # down: L resnets (+ attentions), then a downsampler, each its own input block
        for j in range(L):
            k = 1 + i * (L + 1) + j
            blocks.append(Block(f"down_blocks.{i}.resnets.{j}.", f"input_blocks.{k}.0.", UNET_RESNET))
            if down_attn[i]:
                blocks.append(Block(f"down_blocks.{i}.attentions.{j}.", f"input_blocks.{k}.1."))
        if i < n - 1:
            blocks.append(Block(f"down_blocks.{i}.downsamplers.0.conv.", f"input_blocks.{(i + 1) * (L + 1)}.0.op."))
    for i in range(n):  # up: L + 1 resnets (+ attentions); the upsampler sits in the last output block
        for j in range(L + 1):
            k = i * (L + 1) + j
            blocks.append(Block(f"up_blocks.{i}.resnets.{j}.", f"output_blocks.{k}.0.", UNET_RESNET))
            if up_attn[i]:
                blocks.append(Block(f"up_blocks.{i}.attentions.{j}.", f"output_blocks.{k}.1."))
        if i < n - 1:
            blocks.append(Block(f"up_blocks.{i}.upsamplers.0.conv.", f"output_blocks.{i * (L + 1) + L}.{2 if up_attn[i] else 1}.conv."))
    return blocks


def vae_blocks(config: dict) -> list[Block]:
    L = config["layers_per_block"]
    n = len(config["block_out_channels"])
    blocks = [Block("quant_conv.", "quant_conv."), Block("post_quant_conv.", "post_quant_conv.")]
    for part in ("encoder", "decoder"):
        blocks += [
            Block(f"{part}.conv_in.", f"{part}.conv_in."),
            Block(f"{part}.conv_out.", f"{part}.conv_out."),
            Block(f"{part}.conv_norm_out.", f"{part}.norm_out."),
            Block(f"{part}.mid_block.resnets.0.", f"{part}.mid.block_1.", VAE_RESNET),
            Block(f"{part}.mid_block.attentions.0.", f"{part}.mid.attn_1.", VAE_ATTENTION),
            Block(f"{part}.mid_block.resnets.1.", f"{part}.mid.block_2.", VAE_RESNET),
        ]
    for i in range(n):
        for j in range(L):
            blocks.append(Block(f"encoder.down_blocks.{i}.resnets.{j}.", f"encoder.down.{i}.block.{j}.", VAE_RESNET))
        blocks.append(Block(f"encoder.down_blocks.{i}.downsamplers.0.conv.", f"encoder.down.{i}.downsample.conv."))
        # the decoder's blocks are numbered from the lowest resolution in diffusers, the highest in ldm
        for j in range(L + 1):
            blocks.append(Block(f"decoder.up_blocks.{i}.resnets.{j}.", f"decoder.up.{n - 1 - i}.block.{j}.", VAE_RESNET))
        blocks.append(Block(f"decoder.up_blocks.{i}.upsamplers.0.conv.", f"decoder.up.{n - 1 - i}.upsample.conv."))
    return blocks


def text_blocks(config: dict) -> list[Block]:
    blocks = [
        Block("embeddings.token_embedding.", "token_embedding."),
        Block("final_layer_norm.", "ln_final."),
    ]
    for i in range(config["num_hidden_layers"]):
        blocks.append(Block(f"encoder.layers.{i}.", f"transformer.resblocks.{i}.", CLIP_LAYER))
    return blocks


BLOCKS = {"unet": unet_blocks, "vae": vae_blocks, "text_encoder": text_blocks}


def _rename(rest: str, inner: tuple[tuple[str, str], ...]) -> str:
    for d, o in inner:
        if rest.startswith(d + "."):
            return o + rest[len(d) :]
    return rest


def key_map(group: str, config: dict, diffusers_keys: list[str]) -> dict[str, Target]:
    """{single-file key: Target} for one component; raises KeyMapError for a tensor with no place."""
    blocks = BLOCKS[group](config)
    prefix = PREFIX[group]
    out: dict[str, Target] = {}
    fused: dict[str, list[str | None]] = {}
    for key in diffusers_keys:
        if key in NOT_WEIGHTS:
            continue
        if group == "text_encoder" and key == "embeddings.position_embedding.weight":
            out[prefix + "positional_embedding"] = Target((key,))
            continue
        if group == "text_encoder" and key == "text_projection.weight":
            out[prefix + "text_projection"] = Target((key,), "transpose")
            continue
        block = next((b for b in blocks if key.startswith(b.diffusers)), None)
        if block is None:
            raise KeyMapError(f"{group} tensor {key!r} has no place in the original Stable Diffusion layout")
        rest = key[len(block.diffusers) :]
        if group == "text_encoder" and rest.rsplit(".", 1)[0] in CLIP_FUSED_QKV:
            proj, kind = rest.rsplit(".", 1)  # kind: weight | bias
            slot = fused.setdefault(f"{prefix}{block.original}attn.in_proj_{kind}", [None, None, None])
            slot[CLIP_FUSED_QKV.index(proj)] = key
            continue
        renamed = _rename(rest, block.inner)
        op = "conv1x1" if block.inner is VAE_ATTENTION and renamed in VAE_CONV_1X1 else "copy"
        out[prefix + block.original + renamed] = Target((key,), op)
    for original, parts in fused.items():
        if None in parts:
            raise KeyMapError(f"text encoder: {original} needs q, k and v projections; some are missing")
        out[original] = Target(tuple(parts), "concat")  # type: ignore[arg-type]
    sources = [s for t in out.values() for s in t.sources]
    if len(sources) != len(set(sources)):
        raise KeyMapError(f"{group}: the key map uses a tensor twice")
    return out


def to_original(target: Target, state: dict[str, torch.Tensor]) -> torch.Tensor:
    """The single-file tensor for one entry, from diffusers tensors."""
    ts = [state[s] for s in target.sources]
    if target.op == "concat":
        return torch.cat(ts, dim=0)
    if target.op == "conv1x1":
        return ts[0].reshape(*ts[0].shape, 1, 1)
    if target.op == "transpose":
        return ts[0].T.contiguous()
    return ts[0]


def from_original(target: Target, tensor: torch.Tensor, shapes: dict[str, torch.Size]) -> dict[str, torch.Tensor]:
    """The inverse of `to_original`: diffusers tensors (shaped like the base model's) from one entry."""
    if target.op == "concat":
        sizes = [shapes[s][0] for s in target.sources]
        return {s: t.contiguous() for s, t in zip(target.sources, torch.split(tensor, sizes, dim=0))}
    (source,) = target.sources
    if target.op == "conv1x1":
        return {source: tensor.reshape(shapes[source])}
    if target.op == "transpose":
        return {source: tensor.T.contiguous()}
    return {source: tensor}


def original_shape(target: Target, shapes: dict[str, torch.Size]) -> tuple[int, ...]:
    """The shape the single file must hold for this entry, given the diffusers shapes."""
    first = tuple(shapes[target.sources[0]])
    if target.op == "concat":
        return (sum(shapes[s][0] for s in target.sources), *first[1:])
    if target.op == "conv1x1":
        return (*first, 1, 1)
    if target.op == "transpose":
        return tuple(reversed(first))
    return first


def _weight_files(folder: Path) -> list[Path]:
    # `name.safetensors` or shards `name-0000k-of-0000n.safetensors`; not variants like `name.fp16.safetensors`.
    return sorted(p for p in folder.glob("*.safetensors") if p.name.count(".") == 1)


def load_component(model_folder: Path, group: str) -> tuple[dict, dict[str, torch.Tensor]]:
    """(config, state dict) of one component of a diffusers folder, read from its safetensors files.
    Text-encoder keys lose transformers' optional `text_model.` prefix (older saves have it)."""
    from safetensors.torch import load_file

    folder = model_folder / group
    files = _weight_files(folder)
    if not files:
        raise FileNotFoundError(f"{folder} has no safetensors weights")
    state: dict[str, torch.Tensor] = {}
    for f in files:
        state.update(load_file(str(f)))
    if group == "text_encoder":
        state = {k.removeprefix("text_model."): v for k, v in state.items()}
    config = json.loads((folder / "config.json").read_text())
    return config, state
