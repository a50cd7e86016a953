import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from lanpo_trainer.app import App
from lanpo_trainer.http_server import make_server

from .helpers import INSTRUCTION, StateDirTest, batch


class ServerTest(StateDirTest):
    def setUp(self):
        super().setUp()
        self.app = App(self.service(), max_body_bytes=1_000_000)
        self.server = make_server(self.app, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        super().tearDown()

    def call(self, path, body=None, raw=False):
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        request = urllib.request.Request(self.url + path, data, {"content-type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                text = r.read()
                return r.status, (text if raw else json.loads(text))
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def chat_body(self, **extra):
        return {"model": "tiny", "messages": [{"role": "system", "content": INSTRUCTION}, {"role": "user", "content": "What is one more than 4?"}], **extra}

    def test_models_lists_tiny(self):
        status, body = self.call("/v1/models")
        self.assertEqual(status, 200)
        self.assertEqual([m["id"] for m in body["data"]], ["tiny"])

    def test_chat_completion_with_logprobs_in_the_openai_shape(self):
        status, body = self.call("/v1/chat/completions", self.chat_body(logprobs=True, top_logprobs=3))
        self.assertEqual(status, 200)
        choice = body["choices"][0]
        self.assertEqual(choice["finish_reason"], "stop")
        self.assertRegex(choice["message"]["content"], r"^\\boxed\{\d+\}$")
        content = choice["logprobs"]["content"]
        self.assertEqual("".join(t["token"] for t in content), choice["message"]["content"])
        self.assertEqual(set(content[1]), {"token", "logprob", "bytes", "top_logprobs"})
        self.assertEqual(len(content[1]["top_logprobs"]), 3)
        self.assertEqual(content[1]["bytes"], list(content[1]["token"].encode()))
        self.assertEqual(body["usage"]["completion_tokens"], 3)
        self.assertEqual(body["usage"]["total_tokens"], body["usage"]["prompt_tokens"] + 3)
        self.assertEqual(body["usage"]["prompt_tokens_cut"], 0)
        status, body = self.call("/v1/chat/completions", self.chat_body())
        self.assertIsNone(body["choices"][0]["logprobs"])

    def test_streaming_sends_sse_chunks_usage_and_done(self):
        status, raw = self.call("/v1/chat/completions", self.chat_body(stream=True, logprobs=True, stream_options={"include_usage": True}), raw=True)
        self.assertEqual(status, 200)
        events = [line[6:] for line in raw.decode().split("\n\n") if line.startswith("data: ")]
        self.assertEqual(events[-1], "[DONE]")
        chunks = [json.loads(e) for e in events[:-1]]
        text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
        self.assertRegex(text, r"^\\boxed\{\d+\}$")
        self.assertEqual([c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1], "stop")
        self.assertEqual(chunks[-1]["usage"]["completion_tokens"], 3)
        self.assertTrue(all(c["object"] == "chat.completion.chunk" for c in chunks))

    def test_64_concurrent_requests(self):
        with ThreadPoolExecutor(64) as pool:
            replies = list(pool.map(lambda _: self.call("/v1/chat/completions", self.chat_body()), range(64)))
        self.assertEqual([s for s, _ in replies], [200] * 64)

    def test_errors(self):
        status, body = self.call("/v1/chat/completions", self.chat_body(model="gpt-4"))
        self.assertEqual((status, body["error"]["code"]), (404, "model_not_found"))
        status, body = self.call("/v1/chat/completions", {"model": "tiny", "messages": []})
        self.assertEqual(status, 400)
        status, body = self.call("/v1/batches", b"x" * 1_000_001)
        self.assertEqual((status, body["error"]["code"]), (413, "too_large"))
        status, body = self.call("/v1/nope", {})
        self.assertEqual(status, 404)

    def test_ingest_over_http(self):
        status, body = self.call("/v1/batches", batch("b1"))
        self.assertEqual((status, body), (200, {"accepted": 2, "duplicate": False, "policyVersion": "1"}))
        status, body = self.call("/v1/batches", batch("b1"))
        self.assertEqual(body["duplicate"], True)
        status, body = self.call("/v1/status")
        self.assertEqual((body["policyVersion"], body["batchesApplied"], body["samplesApplied"]), ("1", 1, 2))
        b = batch("b2")
        del b["runId"]
        status, body = self.call("/v1/batches", b)
        self.assertEqual((status, body["error"]["code"], body["error"]["path"]), (400, "schema_invalid", "$.runId"))
