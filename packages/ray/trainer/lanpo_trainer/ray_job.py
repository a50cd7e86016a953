"""`ray job submit` entrypoint: runs the trainer server in one Ray actor with the GPUs it asks for.

    ray job submit --address http://HEAD:8265 --working-dir packages/ray -- \\
      env PYTHONPATH=trainer python -m lanpo_trainer.ray_job --num-gpus 1 -- \\
      --backend hf --model Qwen/Qwen2.5-1.5B-Instruct --state /mnt/lanpo/state --port 8000 --host 0.0.0.0 \\
      --lora-r 16 --vllm-url http://VLLM:8000

Arguments after `--` are the `serve` flags. The job prints the ingest URL (the actor's node address)
and runs until stopped (`ray job stop`, or `lanpo run` stopping the job it launched).
"""

from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    import ray

    argv = list(sys.argv[1:] if argv is None else argv)
    serve_argv = argv[argv.index("--") + 1 :] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(prog="python -m lanpo_trainer.ray_job")
    parser.add_argument("--num-gpus", type=float, default=0.0)
    parser.add_argument("--num-cpus", type=float, default=1.0)
    args = parser.parse_args(own)
    ray.init()

    @ray.remote(num_gpus=args.num_gpus, num_cpus=args.num_cpus)
    class Trainer:
        def address(self, port: str) -> str:
            return f"http://{ray.util.get_node_ip_address()}:{port}"

        def run(self, flags):
            from .cli import main as cli_main

            return cli_main(["serve", *flags])

    actor = Trainer.remote()
    port = serve_argv[serve_argv.index("--port") + 1] if "--port" in serve_argv else "8000"
    print(f"lanpo_trainer job: ingest and policy at {ray.get(actor.address.remote(port))} (/v1/batches, /v1/chat/completions)", flush=True)
    return int(ray.get(actor.run.remote(serve_argv)) or 0)


if __name__ == "__main__":
    sys.exit(main())
