"""A thin Ray Serve deployment over the same App.handle (Ray is imported only here).

    serve run lanpo_trainer.ray_serve:build backend=hf model=Qwen/Qwen2.5-1.5B-Instruct state=/mnt/lanpo/state lora-r=16

Every `key=value` is the `serve` flag `--key value`. Run ONE replica: the ledger and the learner
are state on one disk, and the learner is the only writer of the weights.
"""

from __future__ import annotations

import asyncio
from typing import Dict

from ray import serve
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from .cli import add_serve_arguments, build_app


def _argv(args: Dict[str, str]):
    argv = []
    for key, value in args.items():
        argv += [f"--{key}", str(value)]
    return argv


@serve.deployment(num_replicas=1, max_ongoing_requests=128)
class LanpoTrainerDeployment:
    def __init__(self, args: Dict[str, str]) -> None:
        import argparse

        parser = argparse.ArgumentParser(prog="lanpo_trainer.ray_serve")
        add_serve_arguments(parser)
        self.app = build_app(parser.parse_args(_argv({"port": "0", **args})))

    async def __call__(self, request: Request):
        body = await request.body()
        length = len(body)
        refused = self.app.too_large(length)
        result = refused or await asyncio.get_running_loop().run_in_executor(
            None, self.app.handle, request.method, request.url.path, body
        )
        if isinstance(result.body, bytes):
            return Response(result.body, status_code=result.status, headers=result.headers)
        return StreamingResponse(iter(result.body), status_code=result.status, headers=result.headers)


def build(args: Dict[str, str]):
    """Serve's application builder: `serve run lanpo_trainer.ray_serve:build key=value ...`."""
    gpus = float(args.pop("num-gpus", "1" if args.get("backend") == "hf" else "0"))
    return LanpoTrainerDeployment.options(ray_actor_options={"num_gpus": gpus}).bind(args)
