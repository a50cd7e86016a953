"""lanpo_trainer: the cluster side of LANPO's ingest protocol, a reference GRPO trainer and policy server."""

__version__ = "0.1.0"
