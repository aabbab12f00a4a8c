#!/usr/bin/env python3
"""The response validator finds each mismatch it is written for, against a small fixture
document (testdata/fixture.yaml): every case records one response and expects the validator's
sentence for it; well-formed responses pass."""

import io
import json
import pathlib
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

import validate_responses as vr

FIXTURE = pathlib.Path(__file__).resolve().parent / "testdata" / "fixture.yaml"
CHECKER = vr.ResponseChecker(vr.load_document(FIXTURE))
JOB = {"id": "j1", "state": "running"}


def response(method, path, status, body):
    return {"method": method, "path": path, "status": status, "body": json.dumps(body)}


def frame(path, event, data, status=200):
    return {"method": "GET", "path": path, "status": status, "event": event,
            "data": json.dumps(data)}


class CheckTest(unittest.TestCase):
    def problems(self, record):
        return CHECKER.check(record)[2]

    def assertFinds(self, record, where, expected):
        problems = self.problems(record)
        self.assertTrue(any(w == where and expected in m for w, m in problems),
                        f"{where} {expected!r} not in {problems}")

    def test_a_matching_body_passes(self):
        self.assertEqual(self.problems(response("GET", "/api/jobs/j1", 200, JOB)), [])

    def test_a_wrong_type_fails(self):
        self.assertFinds(response("GET", "/api/jobs/j1", 200, {"id": 7, "state": "running"}),
                         "$.id", "7 is not of type 'string'")

    def test_a_missing_required_field_fails(self):
        self.assertFinds(response("GET", "/api/jobs/j1", 200, {"id": "j1"}),
                         "$", "'state' is a required property")

    def test_an_extra_field_under_additional_properties_false_fails(self):
        body = {"vllm": {"url": "http://h:8000", "ready": True, "model": "m"}}
        self.assertFinds(response("GET", "/api/endpoints", 200, body), "$.vllm",
                         "Additional properties are not allowed ('model' was unexpected)")

    def test_an_extra_field_in_an_open_schema_passes(self):
        body = dict(JOB, progress={"phase": "loading"})
        self.assertEqual(self.problems(response("GET", "/api/jobs/j1", 200, body)), [])

    def test_an_undocumented_status_fails(self):
        self.assertFinds(response("GET", "/api/jobs/j1", 500, {"error": {}}), "",
                         "status 500 is not documented (documented: 200, 404)")

    def test_a_status_range_covers_its_statuses(self):
        body = {"error": {"code": "busy", "message": "a job runs"}}
        route, key, problems = CHECKER.check(response("POST", "/api/services/vllm/restart",
                                                      409, body))
        self.assertEqual((route, key, problems),
                         ("POST /api/services/{name}/{action}", "4XX", []))

    def test_an_unknown_path_fails_unless_answered_404(self):
        for status in (200, 405):
            self.assertFinds(response("GET", "/api/nothing", status, {}), "",
                             "path matches no documented path")

    def test_an_undocumented_method_fails(self):
        self.assertFinds(response("PUT", "/api/jobs/j1", 200, {}), "",
                         "PUT is not documented for /api/jobs/{id}")

    def test_an_unrouted_path_or_method_is_answered_by_the_unrouted_responses(self):
        error = {"error": {"code": "not_found", "message": "no such route: /api/nothing"}}
        self.assertEqual(CHECKER.check(response("GET", "/api/nothing", 404, error)),
                         ("GET (no documented path)", "404", []))
        self.assertEqual(self.problems(response("PUT", "/api/jobs/j1", 405, error)), [])
        self.assertFinds(response("GET", "/api/nothing", 404, {"error": {}}), "$.error",
                         "'code' is a required property")

    def test_a_response_that_is_not_json_is_checked_for_status_and_content_type(self):
        def other(path, status, content_type, method="GET"):
            return {"method": method, "path": path, "status": status,
                    "content_type": content_type}
        self.assertEqual(self.problems(other("/metrics", 200, "text/plain; version=0.0.4")), [])
        self.assertFinds(other("/metrics", 200, "text/html"), "",
                         "content type text/html is not documented (documented: text/plain)")
        self.assertFinds(other("/metrics", 500, "text/html"), "",
                         "status 500 is not documented (documented: 200)")
        self.assertFinds(other("/api/jobs/j1", 404, "text/html"), "",
                         "content type text/html is not documented (documented: application/json)")
        self.assertEqual(self.problems(other("/api/jobs/j1", 204, "", "DELETE")), [])
        self.assertFinds(other("/api/jobs/j1", 204, "text/plain", "DELETE"), "",
                         "came as text/plain, but the document gives no body")

    def test_a_json_body_where_the_document_has_none_fails(self):
        self.assertFinds(response("GET", "/metrics", 200, {}), "",
                         "the document gives this response no JSON body")

    def test_a_body_that_is_not_json_fails(self):
        record = {"method": "GET", "path": "/api/jobs/j1", "status": 200, "body": "{"}
        self.assertFinds(record, "", "the body is not JSON")

    def test_a_shared_response_resolves_through_components(self):
        good = {"error": {"code": "not_found", "message": "no job j9"}}
        self.assertEqual(self.problems(response("GET", "/api/jobs/j9", 404, good)), [])
        self.assertFinds(response("GET", "/api/jobs/j9", 404, dict(good, detail=1)), "$",
                         "('detail' was unexpected)")

    def test_a_one_of_with_null_accepts_null(self):
        self.assertEqual(self.problems(response("GET", "/api/jobs/active", 200, None)), [])

    def test_an_sse_frame_is_checked_against_its_event_schema(self):
        self.assertEqual(self.problems(frame("/api/jobs/j1/log", "line",
                                             {"seq": 3, "text": "x"})), [])
        self.assertEqual(self.problems(frame("/api/jobs/j1/log", "end", JOB)), [])
        self.assertFinds(frame("/api/jobs/j1/log", "line", {"seq": "3", "text": "x"}),
                         "$.seq", "'3' is not of type 'integer'")

    def test_an_undocumented_sse_event_fails(self):
        self.assertFinds(frame("/api/jobs/j1/log", "state", {}), "",
                         "event 'state' has no data schema in x-sse-events (documented: end, line)")


class PathTemplateTest(unittest.TestCase):
    def test_templates(self):
        templates = vr.PathTemplates(["/api/jobs/{id}", "/api/jobs/active", "/api/jobs/{id}/log",
                                      "/api/services/{name}/{action}", "/"])
        for path, expected in [("/api/jobs/active", "/api/jobs/active"),
                               ("/api/jobs/j1", "/api/jobs/{id}"),
                               ("/api/jobs/j1/log", "/api/jobs/{id}/log"),
                               ("/api/services/vllm/restart", "/api/services/{name}/{action}"),
                               ("/", "/"),
                               ("/api/jobs/j1/other", None),
                               ("/api/jobs/", None),
                               ("/api/jobs", None),
                               ("/api/services/vllm", None)]:
            self.assertEqual(templates.match(path), expected, path)

    def test_a_literal_segment_wins_over_a_variable_in_either_order(self):
        for order in (["/a/{x}/c", "/a/b/{y}"], ["/a/b/{y}", "/a/{x}/c"]):
            self.assertEqual(vr.PathTemplates(order).match("/a/b/c"), "/a/b/{y}")


class MainTest(unittest.TestCase):
    def run_main(self, lines, *extra):
        with tempfile.TemporaryDirectory() as tmp:
            log = pathlib.Path(tmp) / "responses.jsonl"
            if lines is not None:
                log.write_text("".join(json.dumps(line) + "\n" for line in lines))
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                code = vr.main([str(log), "--document", str(FIXTURE), *extra])
            files = sorted(p.name for p in log.parent.iterdir())
            return code, out.getvalue() + err.getvalue(), files

    def test_good_responses_pass_and_are_counted_per_route(self):
        code, text, _ = self.run_main([response("GET", "/api/jobs/a", 200, JOB),
                                       response("GET", "/api/jobs/b", 200, JOB),
                                       frame("/api/jobs/a/log", "end", JOB)])
        self.assertEqual(code, 0, text)
        self.assertIn("     2  GET /api/jobs/{id} 200", text)
        self.assertIn("     1  GET /api/jobs/{id}/log event end 200", text)
        self.assertIn("reached by no test: GET /api/endpoints, GET /api/jobs/active, "
                      "POST /api/services/{name}/{action}\n", text)

    def test_a_mismatch_names_route_status_path_and_body(self):
        code, text, _ = self.run_main([response("GET", "/api/jobs/a", 200, {"id": 1})] * 2)
        self.assertEqual(code, 1)
        self.assertIn("MISMATCH GET /api/jobs/{id} → 200 at $.id (2×): 1 is not of type 'string'",
                      text)
        self.assertIn('request path /api/jobs/a; body: {"id": 1}', text)

    def test_a_missing_log_fails(self):
        code, text, _ = self.run_main(None)
        self.assertEqual(code, 1)
        self.assertIn("no response log", text)

    def test_an_empty_log_fails(self):
        code, text, _ = self.run_main([])
        self.assertEqual(code, 1)
        self.assertIn("holds no responses", text)

    def test_consume_renames_the_log(self):
        code, _, files = self.run_main([response("GET", "/api/jobs/a", 200, JOB)], "--consume")
        self.assertEqual((code, files), (0, ["responses.checked.jsonl"]))

    def test_a_truncated_log_still_checks_what_it_holds(self):
        code, text, _ = self.run_main([response("GET", "/api/jobs/a", 200, JOB),
                                       {"truncated": True}])
        self.assertEqual(code, 0, text)
        self.assertIn("reached its size limit", text)


if __name__ == "__main__":
    unittest.main()
