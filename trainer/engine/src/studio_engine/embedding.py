"""The learned identifier token (paper §3.2, stage 1, eq. 3).

A new token (`<rare>`, an adjective) is added to the tokenizer; its embedding row starts as the
embedding of the word "rare". Only that row is optimised. Instead of optimising the whole embedding
matrix and restoring every other row after each step (the diffusers textual-inversion example's
trick), the row lives in its own parameter and a forward hook substitutes it wherever the token
appears: every other row, and the whole text encoder, stay bit-for-bit unchanged by construction,
and the optimiser holds state for one row instead of ~50 000.
"""

from __future__ import annotations

import torch

from .errors import BadSpecError


class LearnedToken:
    def __init__(self, tokenizer, text_encoder, placeholder: str, initializer: str | None, initial_row: torch.Tensor | None = None) -> None:
        self.tokenizer = tokenizer
        self.text_encoder = text_encoder
        self.placeholder = placeholder
        if placeholder in tokenizer.get_vocab():
            raise BadSpecError("BAD_SPEC", f"token.placeholder: {placeholder!r} is already a token of this tokenizer", "token.placeholder")
        if initial_row is None:
            init_ids = tokenizer.encode(initializer or "", add_special_tokens=False)
            if len(init_ids) != 1:
                raise BadSpecError(
                    "BAD_SPEC",
                    f"token.initializer: {initializer!r} must be a single token of the tokenizer (it is {len(init_ids)})",
                    "token.initializer",
                )
        tokenizer.add_tokens([placeholder])
        self.token_id = tokenizer.convert_tokens_to_ids(placeholder)
        text_encoder.resize_token_embeddings(len(tokenizer))
        emb = text_encoder.get_input_embeddings()
        with torch.no_grad():
            row = initial_row if initial_row is not None else emb.weight[init_ids[0]]
            emb.weight[self.token_id] = row.to(emb.weight)
        self.row: torch.nn.Parameter | None = None
        self._hook = None

    def start_training(self) -> torch.nn.Parameter:
        """Returns the trainable row; until `finish_training`, the text encoder reads it instead of the matrix."""
        emb = self.text_encoder.get_input_embeddings()
        self.row = torch.nn.Parameter(emb.weight[self.token_id].detach().clone())
        token_id = self.token_id

        def substitute(_module, inputs, output):
            mask = (inputs[0] == token_id).unsqueeze(-1)
            return torch.where(mask, self.row.to(output.dtype), output)

        self._hook = emb.register_forward_hook(substitute)
        return self.row

    def finish_training(self) -> None:
        """Writes the learned row into the embedding matrix and removes the hook (the row is then frozen)."""
        if self._hook is not None:
            self._hook.remove()
            self._hook = None
        if self.row is not None:
            with torch.no_grad():
                self.text_encoder.get_input_embeddings().weight[self.token_id] = self.row.detach()
            self.row = None

    def current_row(self) -> torch.Tensor:
        if self.row is not None:
            return self.row.detach()
        return self.text_encoder.get_input_embeddings().weight[self.token_id].detach()

    def file_tensors(self) -> dict[str, torch.Tensor]:
        """The embedding as diffusers' `load_textual_inversion` reads it: {token: [1, dim]}."""
        return {self.placeholder: self.current_row().float().cpu().clone().unsqueeze(0).contiguous()}
