"""Textual inversion's training prompts: the TI paper's small object templates.

Source: Gal et al., "An Image is Worth One Word: Personalizing Text-to-Image Generation using
Textual Inversion" (ICLR 2023), code at https://github.com/rinongal/textual_inversion
(`ldm/data/personalized.py`, `imagenet_templates_small`; MIT licence) — the "small" subset of the
ImageNet prompt templates of CLIP (Radford et al., 2021). The learned word S* takes the place of
the object's noun: "a photo of a S*", not "a photo of a S* backpack" (that adjective use is the
paper's own method, §3.2). diffusers' `textual_inversion.py` trains on the same list.

Each training step draws one template per batch element from the step's generator, so a resumed
run sees exactly the prompts an uninterrupted one does. Training tokenizes the 27 prompts once
(`template_ids`) and picks rows on the device (`draw_prompt_ids`): the same picks as `draw_prompts`,
without a host sync or a host→device copy per step.
"""

from __future__ import annotations

import torch

OBJECT_TEMPLATES: tuple[str, ...] = (
    "a photo of a {}",
    "a rendering of a {}",
    "a cropped photo of the {}",
    "the photo of a {}",
    "a photo of a clean {}",
    "a photo of a dirty {}",
    "a dark photo of the {}",
    "a photo of my {}",
    "a photo of the cool {}",
    "a close-up photo of a {}",
    "a bright photo of the {}",
    "a cropped photo of a {}",
    "a photo of the {}",
    "a good photo of the {}",
    "a photo of one {}",
    "a close-up photo of the {}",
    "a rendition of the {}",
    "a photo of the clean {}",
    "a rendition of a {}",
    "a photo of a nice {}",
    "a good photo of a {}",
    "a photo of the nice {}",
    "a photo of the small {}",
    "a photo of the weird {}",
    "a photo of the large {}",
    "a photo of a cool {}",
    "a photo of a small {}",
)


def draw_prompts(token: str, batch_size: int, gen: torch.Generator) -> list[str]:
    """One template per batch element, uniformly, with the token where the noun goes."""
    picks = torch.randint(0, len(OBJECT_TEMPLATES), (batch_size,), generator=gen).tolist()
    return [OBJECT_TEMPLATES[i].format(token) for i in picks]


def template_prompts(token: str) -> list[str]:
    return [t.format(token) for t in OBJECT_TEMPLATES]


def draw_prompt_ids(template_ids: torch.Tensor, batch_size: int, gen: torch.Generator) -> torch.Tensor:
    """The token ids of `draw_prompts(token, batch_size, gen)`, given `template_ids` = the tokenized
    `template_prompts(token)`: the same draw from `gen`, made on the generator's device."""
    picks = torch.randint(0, len(OBJECT_TEMPLATES), (batch_size,), generator=gen, device=gen.device)
    return template_ids[picks.to(template_ids.device)]


def draw_flips(batch_size: int, gen: torch.Generator, p: float) -> torch.Tensor:
    """Random horizontal flip per batch element with probability p (TI paper / reference: p = 0.5)."""
    return torch.rand(batch_size, generator=gen, device=gen.device) < p
