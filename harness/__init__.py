"""ragbench: run the same QA dataset through prompting, RAG and fine-tuning and measure each."""

from harness.errors import HarnessError

__all__ = ["HarnessError"]
