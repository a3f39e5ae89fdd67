"""Changing the model's weights: used only by the fine-tuning strategies.

`trainer` is the LoRA training loop and its settings, `batches` packs its examples into forward
passes, `adapters` caches a trained adapter by a hash of what produced it, `distillation` reads a
teacher run's answers as targets, and `forgetting` measures what an adapter costs on general
questions.
"""
