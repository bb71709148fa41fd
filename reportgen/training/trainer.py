"""TRL's SFT trainer set up from a recipe, for examples `training.examples` built.

Kept apart from `training.run` (which de-identifies and retrieves through the pipeline) so that a
machine holding only torch/transformers/TRL can train on examples built elsewhere (bench/adaptation.py
builds them on the CPU machine and trains on a GPU one).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportgen.training.examples import Example
from reportgen.training.recipe import Recipe

CHECKPOINTS = "checkpoints"


def sft_trainer(loaded: Any, train_set: list[Example], eval_set: list[Example], recipe: Recipe, output: Path, device: str,
                progress: bool, say: Callable[[str], None]) -> Any:
    """TRL's SFTTrainer for conversational prompt/completion rows, loss on the completion only.

    progress: transformers' bars (a terminal); else a plain line through say at every logging step.
    """
    import torch
    from datasets import Dataset
    from transformers import EarlyStoppingCallback, PrinterCallback
    from trl import SFTConfig, SFTTrainer

    on_cpu = device == "cpu"
    bf16 = device == "cuda" and torch.cuda.is_bf16_supported()
    early_stop = bool(eval_set) and recipe.early_stopping_patience > 0
    # transformers 5.2x renamed gradient_checkpointing (the name up to 5.1x, which pyproject allows) to activation_checkpointing
    checkpointing = "activation_checkpointing" if "activation_checkpointing" in SFTConfig.__dataclass_fields__ else "gradient_checkpointing"
    args = SFTConfig(
        **{checkpointing: recipe.gradient_checkpointing and device == "cuda"},
        output_dir=str(output / CHECKPOINTS),
        num_train_epochs=recipe.epochs,
        max_steps=recipe.max_steps,
        per_device_train_batch_size=recipe.batch_size,
        per_device_eval_batch_size=recipe.batch_size,
        gradient_accumulation_steps=recipe.gradient_accumulation_steps,
        learning_rate=recipe.learning_rate,
        lr_scheduler_type=recipe.lr_scheduler,
        warmup_steps=recipe.warmup_steps,
        weight_decay=recipe.weight_decay,
        logging_steps=recipe.logging_steps,
        eval_strategy="steps" if eval_set else "no",
        eval_steps=recipe.eval_steps,
        save_strategy="steps",
        save_steps=recipe.eval_steps,  # early stopping needs a checkpoint at every evaluation
        save_total_limit=recipe.save_total_limit,
        load_best_model_at_end=early_stop,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        # build_examples already fits every example into max_length; TRL refuses a max_length with
        # padding-free batches that are not packed, so it gets None there.
        max_length=None if recipe.padding_free and not recipe.packing else recipe.max_length,
        completion_only_loss=True,
        packing=recipe.packing,
        padding_free=recipe.padding_free,
        use_cpu=on_cpu,
        bf16=bf16,
        fp16=device == "cuda" and not bf16,
        report_to="none",
        disable_tqdm=not progress,
        seed=recipe.seed,
    )
    peft_config = None
    if recipe.method == "lora":
        from peft import LoraConfig

        peft_config = LoraConfig(
            r=recipe.lora.r,
            lora_alpha=recipe.lora.alpha,
            lora_dropout=recipe.lora.dropout,
            target_modules=recipe.lora.targets(loaded.model.config.model_type),
            task_type="CAUSAL_LM",
        )
    trainer = SFTTrainer(
        model=loaded.model,
        args=args,
        train_dataset=Dataset.from_list([e.row() for e in train_set]),
        eval_dataset=Dataset.from_list([e.row() for e in eval_set]) if eval_set else None,
        processing_class=loaded.tokenizer,
        peft_config=peft_config,
        callbacks=[EarlyStoppingCallback(recipe.early_stopping_patience)] if early_stop else None,
    )
    trainer.remove_callback(PrinterCallback)  # without bars it prints every log dict on stdout, which is for data
    if not progress:
        trainer.add_callback(_loss_lines(say))
    return trainer


def _loss_lines(say: Callable[[str], None]) -> Any:
    """A callback that says the loss at every logging step, in one plain line (logs, CI, nohup)."""
    from transformers import TrainerCallback

    class LossLines(TrainerCallback):
        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
            losses = [f"{key} {float(value):.4f}" for key, value in (logs or {}).items() if key in ("loss", "eval_loss")]
            if losses:
                say(f"step {state.global_step}/{state.max_steps}: {', '.join(losses)}")

    return LossLines()
