import json
import os

from lanpo_trainer.app import App
from lanpo_trainer.errors import IngestError

from .helpers import StateDirTest, batch, body


class IngestTest(StateDirTest):
    def refused(self, service, data) -> IngestError:
        with self.assertRaises(IngestError) as ctx:
            service.ingest(data if isinstance(data, bytes) else body(data))
        return ctx.exception

    def test_accepts_then_refuses_a_resend_even_after_restart(self):
        s = self.service()
        reply = s.ingest(body(batch("b1", ("g1", "g2"))))
        self.assertEqual(reply, {"accepted": 4, "duplicate": False, "policyVersion": "1"})
        self.assertEqual(s.ingest(body(batch("b1", ("g1", "g2")))), {"accepted": 0, "duplicate": True, "policyVersion": "1"})
        s = self.restart(s)
        self.assertEqual(s.version, 1)
        self.assertEqual(s.ingest(body(batch("b1", ("g1", "g2"))))["duplicate"], True)
        status = s.status()
        self.assertEqual((status["batchesApplied"], status["samplesApplied"], status["updates"]), (1, 4, 1))

    def test_rollout_ids_seen_before_are_not_counted_again(self):
        s = self.service()
        s.ingest(body(batch("b1", ("g1",))))
        reply = s.ingest(body(batch("b2", ("g1", "g2"))))
        self.assertEqual(reply["accepted"], 2)
        self.assertFalse(reply["duplicate"])

    def test_batch_id_reused_with_other_rollouts_is_a_conflict(self):
        s = self.service()
        s.ingest(body(batch("b1", ("g1",))))
        e = self.refused(s, batch("b1", ("g2",)))
        self.assertEqual((e.status, e.code), (409, "batch_conflict"))
        self.assertEqual(s.status()["samplesApplied"], 2)

    def test_incomplete_group(self):
        s = self.service()
        b = batch("b1", ("g1",), size=3)
        b["samples"].pop()
        e = self.refused(s, b)
        self.assertEqual((e.status, e.code), (422, "group_incomplete"))
        self.assertIn("g1", e.message)
        b = batch("b1", ("g1",))
        b["samples"][1]["groupSize"] = 3
        self.assertEqual(self.refused(s, b).status, 422)
        self.assertEqual(s.status()["batchesApplied"], 0)

    def test_schema_failures_and_nan_advantage(self):
        s = self.service()
        s.ingest(body(batch("b0", ("g0",))))
        b = batch("b1")
        b["samples"][0]["feedback"] = "hint"
        e = self.refused(s, b)
        self.assertEqual((e.status, e.code, e.path), (400, "schema_invalid", "$.samples[0].feedback"))
        nan = json.dumps(batch("b2")).replace('"advantage": 1.0', '"advantage": NaN').encode()
        e = self.refused(s, nan)
        self.assertEqual((e.status, e.path), (400, "$.samples[0].advantage"))
        e = self.refused(s, b"{not json")
        self.assertEqual((e.status, e.code), (400, "schema_invalid"))
        dup = batch("b3")
        dup["samples"][1]["rolloutId"] = dup["samples"][0]["rolloutId"]
        self.assertEqual(self.refused(s, dup).status, 400)
        # nothing already applied was lost
        self.assertEqual((s.status()["batchesApplied"], s.status()["samplesApplied"]), (1, 2))

    def test_too_large_and_unknown_route(self):
        app = App(self.service(), max_body_bytes=100)
        refused = app.too_large(101)
        self.assertEqual(refused.status, 413)
        self.assertEqual(json.loads(refused.body)["error"]["code"], "too_large")
        self.assertIsNone(app.too_large(100))
        self.assertEqual(app.handle("GET", "/v1/nothing").status, 404)

    def test_acknowledged_samples_not_yet_trained_are_trained_after_restart(self):
        s = self.service(ack_wait_s=0)
        s.close()  # the learner is gone: what is ingested now is in the ledger only
        self.services.remove(s)
        s = self.service(ack_wait_s=0)
        s.closed = True
        s.ingest(body(batch("b1", ("g1",))))
        s.closed = False
        s = self.restart(s, ack_wait_s=5)
        deadline = 50
        while s.updates == 0 and deadline:
            import time

            time.sleep(0.1)
            deadline -= 1
        self.assertEqual(s.updates, 1)
        self.assertEqual(s.status()["samplesApplied"], 2)

    def test_torn_last_ledger_line_is_cut(self):
        s = self.service()
        s.ingest(body(batch("b1")))
        s.close()
        self.services.remove(s)
        with open(os.path.join(self.dir, "ledger.jsonl"), "ab") as f:
            f.write(b'{"seq": 2, "batchId": "b2", "rollo')
        s = self.service()
        self.assertEqual(s.status()["batchesApplied"], 1)
        self.assertEqual(s.ingest(body(batch("b2", ("g2",))))["accepted"], 2)

    def test_frozen_control_applies_batches_without_updates(self):
        s = self.service(lr=0)
        reply = s.ingest(body(batch("b1")))
        self.assertEqual((reply["accepted"], reply["policyVersion"]), (2, "0"))
        self.assertEqual(s.status()["updates"], 0)
