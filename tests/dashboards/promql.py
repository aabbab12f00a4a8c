"""Just enough PromQL reading for the dashboard and alert checks: which series an expression
selects, with which matchers, inside which function, over which range; and the metric list
of tests/dashboards/families.txt. Not a parser: it trusts Prometheus (the live test and
promtool) to reject invalid expressions, and only finds what the conventions talk about."""

import re
from dataclasses import dataclass, field
from pathlib import Path

FAMILIES_FILE = Path(__file__).with_name("families.txt")

AGGREGATIONS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
                "bottomk", "topk", "quantile"}
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = {"and", "or", "unless", "bool", "offset", "atan2"}
# Functions that take a counter and make sense of its resets.
COUNTER_FUNCTIONS = {"rate", "irate", "increase"}
# Labels every series may have besides its family's own (job is there, but never to be used).
TARGET_LABELS = {"instance", "job"}
# Families whose series carry `cluster`: spark-control's own, and vLLM's through the label the
# scrape job gives its target (dashboards/prometheus.yml).
CLUSTERED_PREFIXES = ("spark_control_", "vllm:")
# Aggregations whose result keeps every label of the series they pick.
LABEL_KEEPING = {"topk", "bottomk"}

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<var>\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)
  | (?P<number>[0-9][0-9A-Za-z.]*)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<op>=~|!~|!=|==|>=|<=|[-+*/%^<>=(){}\[\],@:])
""", re.VERBOSE)


@dataclass(frozen=True)
class Family:
    name: str
    type: str
    labels: frozenset

    def series_names(self):
        if self.type == "histogram":
            return [self.name + suffix for suffix in ("_bucket", "_sum", "_count")]
        return [self.name]


def load_families(path=FAMILIES_FILE):
    """{series name: Family}: a histogram answers to its _bucket, _sum and _count series."""
    by_series = {}
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].split()
        if not line:
            continue
        name, kind, labels = line[0], line[1], [label for label in line[2:] if label != "-"]
        if is_clustered(name):
            labels.append("cluster")
        if kind == "histogram":
            labels.append("le")
        family = Family(name, kind, frozenset(labels))
        for series in family.series_names():
            by_series[series] = family
    return by_series


def is_clustered(name):
    """True for a series name that carries the `cluster` label."""
    return name.startswith(CLUSTERED_PREFIXES)


@dataclass
class Selector:
    name: str                       # "" for a bare {__name__=...} selector
    matchers: list = field(default_factory=list)   # (label, op, value without quotes)
    function: str = ""              # innermost function or aggregation it sits in
    range: str = ""                 # the text inside [...] right after it, if any


@dataclass
class Reading:
    selectors: list
    grouping_labels: set            # labels named in by/without/on/ignoring/group_*
    range_functions: list           # (function, range) for every selector with a range


def tokens(expr):
    pos = 0
    out = []
    while pos < len(expr):
        match = _TOKEN.match(expr, pos)
        if not match:
            raise ValueError(f"cannot read PromQL at {expr[pos:pos + 20]!r}")
        pos = match.end()
        if match.lastgroup != "space":
            out.append((match.lastgroup, match.group()))
    return out


def read(expr):
    """Finds the selectors of an expression; raises ValueError on text it cannot tokenize."""
    toks = tokens(expr)
    selectors, grouping, calls = [], set(), []
    pending = ""
    i = 0

    def peek(k):
        return toks[k] if k < len(toks) else ("end", "")

    while i < len(toks):
        kind, text = toks[i]
        if kind == "ident" and text in GROUPING:
            if peek(i + 1)[1] == "(":
                i += 2
                while i < len(toks) and toks[i][1] != ")":
                    if toks[i][0] == "ident":
                        grouping.add(toks[i][1])
                    i += 1
        elif kind == "ident" and text in KEYWORDS:
            pass
        elif kind == "ident" and (text in AGGREGATIONS or peek(i + 1)[1] == "("):
            pending = text
        elif kind == "ident" or (kind == "op" and text == "{"):
            selector = Selector(name=text if kind == "ident" else "",
                                function=next((c for c in reversed(calls) if c), ""))
            if kind == "ident" and peek(i + 1)[1] == "{":
                i += 1
            if toks[i][1] == "{":
                i = _read_matchers(toks, i + 1, selector.matchers)
            if peek(i + 1)[1] == "[":
                i, selector.range = _read_range(toks, i + 2)
            selectors.append(selector)
        elif text == "(":
            calls.append(pending)
            pending = ""
        elif text == ")":
            if calls:
                calls.pop()
        elif text == "[":  # a subquery range after ")": not a selector's
            i, _ = _read_range(toks, i + 1)
        i += 1
    ranges = [(s.function, s.range) for s in selectors if s.range]
    return Reading(selectors, grouping, ranges)


@dataclass
class Aggregation:
    name: str                       # sum, max, ...
    modifier: str                   # "by", "without" or ""
    labels: set                     # the labels the modifier names
    series: list                    # names of the selectors it aggregates

    def keeps(self, label):
        """True if every output series still has `label` (when the input had it)."""
        if self.name in LABEL_KEEPING:
            return True
        if self.modifier == "without":
            return label not in self.labels
        return label in self.labels  # by (...), or no modifier: nothing is kept


def aggregations(expr):
    """Every aggregation of an expression, nested ones included, with the series it reads;
    raises ValueError on text it cannot tokenize."""
    toks = tokens(expr)
    found = []
    for i, (kind, text) in enumerate(toks):
        if kind != "ident" or text not in AGGREGATIONS:
            continue
        modifier, labels, body = "", set(), i + 1
        if body < len(toks) and toks[body][1] in ("by", "without"):
            modifier, labels, body = _read_grouping(toks, body)
        if body >= len(toks) or toks[body][1] != "(":
            continue
        end = _matching_paren(toks, body)
        if not modifier and end + 1 < len(toks) and toks[end + 1][1] in ("by", "without"):
            modifier, labels, _ = _read_grouping(toks, end + 1)
        inner = read(" ".join(text for _, text in toks[body + 1:end]))
        found.append(Aggregation(text, modifier, labels, [s.name for s in inner.selectors]))
    return found


def cluster_dropping(expr):
    """The aggregations of expr that add up series of several clusters into one."""
    return [a for a in aggregations(expr) if any(is_clustered(s) for s in a.series) and not a.keeps("cluster")]


def _read_grouping(toks, i):
    """Reads `by (a, b)` or `without (...)` at toks[i]; returns (modifier, labels, next index)."""
    modifier, labels, i = toks[i][1], set(), i + 2
    while i < len(toks) and toks[i][1] != ")":
        if toks[i][0] == "ident":
            labels.add(toks[i][1])
        i += 1
    return modifier, labels, i + 1


def _matching_paren(toks, i):
    """Index of the ")" that closes the "(" at toks[i] (the last token if none does)."""
    depth = 0
    for j in range(i, len(toks)):
        depth += {"(": 1, ")": -1}.get(toks[j][1], 0)
        if depth == 0:
            return j
    return len(toks) - 1


def _read_matchers(toks, i, matchers):
    """Reads label matchers from toks[i] up to the closing "}"; returns that index."""
    while i < len(toks) and toks[i][1] != "}":
        if toks[i][0] == "ident" and i + 2 < len(toks) and toks[i + 1][0] == "op":
            value = toks[i + 2][1]
            matchers.append((toks[i][1], toks[i + 1][1], value[1:-1] if toks[i + 2][0] == "string" else value))
            i += 3
        else:
            i += 1
    return i


def _read_range(toks, i):
    """Reads the text of a [range] starting after "["; returns the index of "]" and the text."""
    start = i
    while i < len(toks) and toks[i][1] != "]":
        i += 1
    return i, "".join(text for _, text in toks[start:i])


_LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(?P<selector>.+?)\s*,\s*(?P<label>[A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$",
                           re.DOTALL)


def parse_label_values(query):
    """("selector", "label") of a Grafana `label_values(selector, label)` query, or None."""
    match = _LABEL_VALUES.match(query)
    return (match["selector"], match["label"]) if match else None


def problems(expr, families, allowed_ranges, uses_values=True):
    """Convention breaches of one expression, as sentences. allowed_ranges maps a range function
    (rate, increase, max_over_time, ...) to the range texts it may use; "" is the default for
    functions not listed; None there means any range is fine. uses_values=False for a selector
    whose label values alone matter (a variable's label_values), where a counter may stand bare."""
    try:
        reading = read(expr)
    except ValueError as error:
        return [str(error)]
    found = []
    for selector in reading.selectors:
        name = selector.name
        if not name:
            found.append("a selector without a metric name (write the family's name)")
            continue
        family = families.get(name)
        if family is None:
            found.append(f"unknown metric {name} (not in tests/dashboards/families.txt)")
            continue
        is_counter = family.type == "counter" or (family.type == "histogram" and name != family.name)
        if is_counter and uses_values and selector.function not in COUNTER_FUNCTIONS:
            found.append(f"{name} is a counter: use it only inside rate() or increase()")
        for label, _, _ in selector.matchers:
            if label == "job":
                found.append(f"{name} is filtered on job: users name their scrape jobs as they like")
            elif label not in family.labels and label not in TARGET_LABELS:
                found.append(f"{name} has no label {label}")
    known = set().union(*(f.labels for s in reading.selectors if (f := families.get(s.name)))) | TARGET_LABELS
    for label in sorted(reading.grouping_labels - known):
        found.append(f"grouping by {label}, which none of the expression's families has")
    for function, text in reading.range_functions:
        allowed = allowed_ranges.get(function, allowed_ranges.get(""))
        if allowed is not None and text not in allowed:
            found.append(f"{function or 'a selector'}[{text}]: use {' or '.join(sorted(allowed))}")
    return found
