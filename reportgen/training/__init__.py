"""Fine-tuning: pairs -> de-identified, retrieval-augmented prompt/completion examples -> TRL SFT.

- `recipe`: the typed training recipe (TOML files in training/recipes/)
- `examples`: building examples exactly as inference prompts are built, with the length check
- `card`: the reportgen model card a run directory carries
- `run`: the SFTTrainer run (LoRA or full), devices, resume
- `export`: merging a LoRA run into a plain transformers model
"""
