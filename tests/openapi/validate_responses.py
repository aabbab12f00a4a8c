#!/usr/bin/env python3
"""Checks every response the integration tests recorded against docs/openapi.yaml.

The test HTTP helper (tests/support/response_log.h) appends one JSON line per JSON response
({"method", "path", "status", "body"}), per other response ({..., "content_type"}: only its
status and type are checked) and per SSE frame ({"method", "path", "status", "event", "data"})
to the file named by SPARK_RESPONSE_LOG. Each is matched to its OpenAPI path template
and method, the status to a documented response (a status the document does not list fails;
`default` or `4XX` only where the document uses them; a path or method the route table does not
serve to the top-level `x-unrouted-responses` 404 or 405), and the body to that response's
application/json schema; an SSE frame's data to the `data` schema its event name has in the
text/event-stream media object's `x-sse-events` map. `$ref`s resolve against the whole document
(JSON Schema Draft 2020-12, Debian's python3-jsonschema). An empty or missing log fails too:
a check that saw nothing must not pass.

Usage: validate_responses.py [--document docs/openapi.yaml] [--consume] LOG
  --consume  renames LOG to *.checked.jsonl after reading it, so a later run without a fresh
             log fails instead of passing on old responses.
"""

import argparse
import collections
import json
import pathlib
import re
import sys
import urllib.parse

import jsonschema
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXCERPT = 240


def stringify_keys(node):
    """YAML reads `200:` as an int; JSON (and JSON pointers) know only string keys."""
    if isinstance(node, dict):
        return {str(k): stringify_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [stringify_keys(v) for v in node]
    return node


def load_document(path):
    return stringify_keys(yaml.safe_load(pathlib.Path(path).read_text(encoding="utf-8")))


def pointer(*parts):
    """A URI fragment JSON pointer to `parts` (escaped as RFC 6901 and RFC 3986 ask)."""
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "#/" + urllib.parse.quote("/".join(escaped), safe="/~")


def unescape(part):
    return part.replace("~1", "/").replace("~0", "~")


class PathTemplates:
    """Maps a request path to its OpenAPI path template; literal segments win over `{x}`."""

    def __init__(self, paths):
        self.templates = []
        for template in paths:
            segments = template.strip("/").split("/")
            regex = "/".join("[^/]+" if re.fullmatch(r"\{[^}/]+\}", s) else re.escape(s)
                             for s in segments)
            variables = [i for i, s in enumerate(segments) if s.startswith("{")]
            self.templates.append((variables, re.compile("/" + regex), template))
        # Fewest and latest variables first: /api/jobs/active before /api/jobs/{id}.
        self.templates.sort(key=lambda t: (len(t[0]), [-i for i in t[0]]))

    def match(self, path):
        for _, regex, template in self.templates:
            if regex.fullmatch(path):
                return template
        return None


class ResponseChecker:
    """Finds the schema for (method, path, status[, event]) and validates a body against it."""

    def __init__(self, document):
        self.document = document
        self.paths = document.get("paths") or {}
        self.templates = PathTemplates(self.paths)
        self.validators = {}

    def locate(self, parts):
        """The node at `parts` and the parts of where it really is, after local `$ref`s (a
        response may be a ref to components/responses)."""
        for _ in range(16):
            node = self.document
            for part in parts:
                node = node[part]
            ref = node.get("$ref") if isinstance(node, dict) else None
            if not isinstance(ref, str) or not ref.startswith("#/"):
                break
            parts = tuple(unescape(p) for p in urllib.parse.unquote(ref[2:]).split("/"))
        return node, parts

    def response_for(self, template, method, status):
        """(parts of the documented response, status key) or (None, problem)."""
        operation = self.paths[template].get(method.lower())
        if not isinstance(operation, dict):
            return self.unrouted("405", status, f"{method} is not documented for {template}")
        responses = operation.get("responses") or {}
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                return ("paths", template, method.lower(), "responses", key), key
        listed = ", ".join(sorted(responses)) or "none"
        return None, f"status {status} is not documented (documented: {listed})"

    def unrouted(self, expected, status, problem):
        """What the server answers a path (404) or method (405) it does not route: the
        document's top-level `x-unrouted-responses` entry for that status."""
        if str(status) == expected and expected in (self.document.get("x-unrouted-responses")
                                                    or {}):
            return ("x-unrouted-responses", expected), expected
        return None, problem

    def validator(self, ref):
        if ref not in self.validators:
            # The whole document is the root resource, so every `#/components/...` resolves.
            root = {k: v for k, v in self.document.items() if not k.startswith("$")}
            root["$ref"] = ref
            self.validators[ref] = jsonschema.Draft202012Validator(root)
        return self.validators[ref]

    def media(self, response_parts, wanted):
        """(parts, media object) of the response's content type that `wanted` accepts."""
        response, parts = self.locate(response_parts)
        for media_type, media in (response.get("content") or {}).items():
            if wanted(base_type(media_type)):
                return parts + ("content", media_type), media
        return None, None

    def schema_ref(self, record, response_parts):
        """(pointer to the schema the record's body must match, None) or (None, problem)."""
        if "event" not in record:
            parts, media = self.media(response_parts, is_json_type)
            if media is None:
                return None, "the document gives this response no JSON body"
            if "schema" not in media:
                return None, "the document gives this JSON body no schema"
            return pointer(*parts, "schema"), None
        parts, media = self.media(response_parts, lambda t: t == "text/event-stream")
        if media is None:
            return None, "the document gives this response no text/event-stream body"
        events = media.get("x-sse-events") or {}
        event = events.get(record["event"])
        if not isinstance(event, dict) or "data" not in event:
            return None, (f"event '{record['event']}' has no data schema in x-sse-events "
                          f"(documented: {', '.join(sorted(events)) or 'none'})")
        return pointer(*parts, "x-sse-events", record["event"], "data"), None

    def content_type_problems(self, content_type, response_parts):
        """A body that is not JSON is checked for its content type only."""
        documented = (self.locate(response_parts)[0].get("content") or {})
        got = base_type(content_type)
        if not documented:
            return [] if not got else [("", f"came as {got}, but the document gives no body")]
        for media_type in documented:
            want = base_type(media_type)
            if want in (got, "*/*") or (want.endswith("/*") and got.startswith(want[:-1])):
                return []
        return [("", f"content type {got or 'none'} is not documented "
                     f"(documented: {', '.join(sorted(documented))})")]

    def json_operations(self):
        """"METHOD template" of every operation with a 2xx JSON or SSE response documented."""
        for template, item in self.paths.items():
            for method, operation in item.items():
                responses = operation.get("responses") if isinstance(operation, dict) else None
                success = [k for k in responses or {} if k.startswith("2")]
                for parts in (("paths", template, method, "responses", k) for k in success):
                    if self.media(parts, lambda t: is_json_type(t) or t == "text/event-stream")[1]:
                        yield f"{method.upper()} {template}"
                        break

    def check(self, record):
        """(route, status key, problems) for one record; problems as (json path, message)."""
        method, path, status = record["method"], record["path"], record["status"]
        template = self.templates.match(path)
        if template is None:
            route = f"{method} (no documented path)"
            response, key = self.unrouted("404", status, "path matches no documented path")
        else:
            route = f"{method} {template}"
            response, key = self.response_for(template, method, status)
        if response is None:
            return route, str(status), [("", key)]
        if "content_type" in record:
            return route, key, self.content_type_problems(record["content_type"], response)
        ref, problem = self.schema_ref(record, response)
        if ref is None:
            return route, key, [("", problem)]
        text = record.get("data") if "event" in record else record.get("body")
        try:
            body = json.loads(text)
        except (TypeError, ValueError) as error:
            return route, key, [("", f"the body is not JSON: {error}")]
        errors = self.validator(ref).iter_errors(body)
        return route, key, sorted((json_path(e.absolute_path), e.message) for e in errors)


def base_type(content_type):
    return content_type.split(";")[0].strip().lower()


def is_json_type(media_type):
    return media_type == "application/json" or media_type.endswith("+json")


def json_path(parts):
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def read_records(log):
    """(records, truncated, unreadable line numbers)."""
    records, truncated, broken = [], False, []
    with open(log, encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, 1):
            try:
                record = json.loads(line)
            except ValueError:
                broken.append(number)
                continue
            if record.get("truncated"):
                truncated = True
            else:
                records.append(record)
    return records, truncated, broken


def validate(checker, records, out):
    """Prints each distinct mismatch once (with how often it occurred), the count of responses
    per route and the documented JSON routes none reached; returns the number of distinct
    mismatches."""
    checked = collections.Counter()
    routes = set()
    mismatches = collections.OrderedDict()
    for record in records:
        route, key, problems = checker.check(record)
        routes.add(route)
        label = route + (f" event {record['event']}" if "event" in record else "")
        checked[f"{label} {key}"] += 1
        for where, message in problems:
            first = mismatches.setdefault((label, key, where, message), [0, record])
            first[0] += 1
    for (label, key, where, message), (count, record) in mismatches.items():
        text = record.get("data") if "event" in record else record.get("body")
        excerpt = str(text)[:EXCERPT] + ("…" if len(str(text)) > EXCERPT else "")
        times = f" ({count}×)" if count > 1 else ""
        print(f"MISMATCH {label} → {key} at {where or '$'}{times}: {message}\n"
              f"    request path {record['path']}; body: {excerpt}", file=out)
    print(f"checked {len(records)} responses against the document:", file=out)
    for route, count in sorted(checked.items()):
        print(f"  {count:6d}  {route}", file=out)
    unreached = sorted(set(checker.json_operations()) - routes)
    if unreached:
        print("documented with a 2xx JSON or SSE body, reached by no test: "
              + ", ".join(unreached), file=out)
    return len(mismatches)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", type=pathlib.Path)
    parser.add_argument("--document", type=pathlib.Path, default=ROOT / "docs" / "openapi.yaml")
    parser.add_argument("--consume", action="store_true")
    args = parser.parse_args(argv)
    if not args.log.is_file():
        print(f"FAIL: no response log at {args.log}: run the integration tests first "
              "(ctest -L integration records it)", file=sys.stderr)
        return 1
    if not args.document.is_file():
        print(f"FAIL: no OpenAPI document at {args.document}", file=sys.stderr)
        return 1
    records, truncated, broken = read_records(args.log)
    if args.consume:
        args.log.rename(args.log.with_suffix(".checked.jsonl"))
    if not records:
        print(f"FAIL: {args.log} holds no responses: nothing was checked", file=sys.stderr)
        return 1
    failures = validate(ResponseChecker(load_document(args.document)), records, sys.stdout)
    if broken:
        print(f"FAIL: unreadable lines in the log: {broken[:10]}", file=sys.stderr)
    if truncated:
        print("note: the log reached its size limit; later responses were not recorded")
    if failures or broken:
        print(f"FAIL: {failures} distinct mismatches against {args.document}", file=sys.stderr)
        return 1
    print(f"OK: every recorded response matches {args.document}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
