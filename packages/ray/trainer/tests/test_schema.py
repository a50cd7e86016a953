import math
import unittest

from lanpo_trainer.schema import SchemaViolation, Validator, batch_validator

from .helpers import batch


class SchemaTest(unittest.TestCase):
    def setUp(self):
        self.v = batch_validator()

    def violation(self, data):
        with self.assertRaises(SchemaViolation) as ctx:
            self.v.validate(data)
        return ctx.exception

    def test_a_valid_batch_passes(self):
        self.v.validate(batch())

    def test_optional_fields_pass(self):
        b = batch()
        b["samples"][0].update({"logprobs": [0.0, -1.2, 0.0], "tokenIds": [1, 2, 3], "model": None, "usage": {"promptTokens": 3, "completionTokens": 3}, "reflectionId": "r"})
        self.v.validate(b)

    def test_missing_field_names_its_path(self):
        b = batch()
        del b["samples"][1]["advantage"]
        self.assertEqual(self.violation(b).path, "$.samples[1].advantage")

    def test_unknown_field_is_refused(self):
        b = batch()
        b["samples"][0]["advantages"] = 1
        self.assertEqual(self.violation(b).path, "$.samples[0].advantages")

    def test_enum_type_and_minimum(self):
        for field, value, path in [
            ("estimator", "ppo", "$.samples[0].estimator"),
            ("groupSize", 0, "$.samples[0].groupSize"),
            ("groupSize", 1.5, "$.samples[0].groupSize"),
            ("reward", "1", "$.samples[0].reward"),
            ("rolloutId", "", "$.samples[0].rolloutId"),
            ("finishReason", 3, "$.samples[0].finishReason"),
        ]:
            b = batch()
            b["samples"][0][field] = value
            self.assertEqual(self.violation(b).path, path, field)

    def test_nan_and_infinite_numbers_are_not_numbers(self):
        for value in (math.nan, math.inf):
            b = batch()
            b["samples"][0]["advantage"] = value
            e = self.violation(b)
            self.assertEqual(e.path, "$.samples[0].advantage")
            self.assertIn("NaN", e.message)

    def test_message_list_and_roles(self):
        b = batch()
        b["samples"][0]["prompt"] = []
        self.assertEqual(self.violation(b).path, "$.samples[0].prompt")
        b = batch()
        b["samples"][0]["prompt"][0]["role"] = "tool"
        self.assertEqual(self.violation(b).path, "$.samples[0].prompt[0].role")

    def test_top_level_must_be_an_object(self):
        self.assertEqual(self.violation([1]).path, "$")

    def test_unknown_keyword_fails_at_load(self):
        with self.assertRaises(ValueError):
            Validator({"type": "object", "patternProperties": {}})


if __name__ == "__main__":
    unittest.main()
