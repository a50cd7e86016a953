"""`python -m lanpo_trainer serve ...`: the policy server and ingest on one port."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from .backends import BACKENDS, create_policy
from .errors import StartError
from .learner import DEFAULT_LR, LearnerOptions
from .loss import LossOptions


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lanpo_trainer", description="LANPO reference GRPO trainer")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the policy (OpenAI chat completions) and the ingest on one port")
    add_serve_arguments(serve)
    return parser


def add_serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", required=True, choices=BACKENDS, help="tiny (plain PyTorch) or hf (transformers)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    p.add_argument("--state", required=True, help="state folder: ledger, checkpoints (created when missing)")
    p.add_argument("--model", default=None, help="model name served (tiny: default 'tiny'; hf: model id or folder)")
    p.add_argument("--lr", type=float, default=DEFAULT_LR, help=f"learning rate (default {DEFAULT_LR}; 0 = frozen control)")
    p.add_argument("--condition", choices=("original", "behaviour"), default="original", help="prompt the loss conditions on (default original)")
    p.add_argument("--aggregation", choices=("token-mean", "sequence-mean"), default="token-mean", help="loss aggregation (default token-mean)")
    p.add_argument("--kl-coef", type=float, default=0.0, help="weight of the KL term to the initial policy (default 0)")
    p.add_argument("--clip-low", type=float, default=0.2, help="PPO clip below 1 (default 0.2)")
    p.add_argument("--clip-high", type=float, default=0.28, help="PPO clip above 1 (default 0.28)")
    p.add_argument("--tis-cap", type=float, default=2.0, help="cap of the truncated importance weight (default 2)")
    p.add_argument("--epochs", type=int, default=2, help="passes over each update's samples (default 2)")
    p.add_argument("--minibatches", type=int, default=1, help="minibatches per pass (default 1)")
    p.add_argument("--seed", type=int, default=0, help="seed of the learner's shuffles and sampling (default 0)")
    p.add_argument("--ack-wait-s", type=float, default=120.0, help="how long a batch POST waits for its update (default 120)")
    p.add_argument("--checkpoint-every", type=int, default=1, help="updates between checkpoints (default 1)")
    p.add_argument("--max-body-bytes", type=int, default=64 * 1024 * 1024, help="largest request body (default 64 MiB)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--tiny-config", default=None, help="JSON file of TinyConfig fields (tiny backend)")
    p.add_argument("--lora-r", type=int, default=0, help="hf: LoRA rank through peft (0 = full fine-tuning)")
    p.add_argument("--vllm-url", default=None, help="hf: vLLM server to publish LoRA adapters to (POST /v1/load_lora_adapter)")
    p.add_argument("--adapter-dir", default=None, help="hf: folder vLLM can read adapters from (default STATE/adapters)")
    p.add_argument("--device", default=None, help="hf: torch device (default cuda when available)")


def build_app(args):
    import torch

    from .app import App
    from .service import ServiceOptions, TrainerService

    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    hf_options = {}
    if args.backend == "hf":
        hf_options = {"lora_r": args.lora_r, "vllm_url": args.vllm_url, "adapter_dir": args.adapter_dir, "device": args.device, "state_dir": args.state}
    policy = create_policy(args.backend, args.model, args.tiny_config, **hf_options)
    if args.lr < 0:
        raise StartError(f"--lr {args.lr}: a learning rate is >= 0 (0 = frozen control)")
    learner = LearnerOptions(
        lr=args.lr,
        condition=args.condition,
        epochs=args.epochs,
        minibatches=args.minibatches,
        seed=args.seed,
        loss=LossOptions(clip_low=args.clip_low, clip_high=args.clip_high, tis_cap=args.tis_cap, kl_coef=args.kl_coef, aggregation=args.aggregation),
    )
    service = TrainerService(policy, learner, ServiceOptions(args.state, ack_wait_s=args.ack_wait_s, checkpoint_every=args.checkpoint_every))
    return App(service, max_body_bytes=args.max_body_bytes)


def serve(args) -> int:
    from .http_server import make_server

    app = build_app(args)
    server = make_server(app, args.host, args.port)
    host, port = server.server_address[:2]
    s = app.service
    print(
        f"lanpo_trainer: serving {s.policy.backend} model {s.policy.name!r} at http://{host}:{port}/v1 "
        f"(ingest http://{host}:{port}/v1/batches), policy version {s.version}, lr {s.learner.options.lr}, state {args.state}",
        flush=True,
    )

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    if threading.current_thread() is threading.main_thread():  # not so inside a Ray actor
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        s.close()
    return 0


def main(argv=None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args)
    except StartError as e:
        print(f"lanpo_trainer: {e}", file=sys.stderr)
        return 2
    return 1
