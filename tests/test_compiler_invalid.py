"""Invalid manifests: every problem is reported with its exact message and location."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pyhotmesh.compiler import CompileError, compile_source

HEADER = """\
app:
  id: shop
  version: '1'
  graphs:
    - subscribes: order.placed
"""


def errors(yaml_text: str) -> list[str]:
    with pytest.raises(CompileError) as err:
        compile_source(textwrap.dedent(yaml_text))
    return [str(d) for d in err.value.diagnostics]


def graph(body: str) -> str:
    """A manifest whose only graph has `body` (indented as graph fields) after subscribes."""
    return HEADER + textwrap.indent(textwrap.dedent(body), "      ")


CASES = [
    (
        "unknown activity type",
        graph("""
            activities:
              t1: {type: trigger}
              a1: {type: wroker, topic: x}
            transitions:
              t1: [{to: a1}]
        """),
        ["<yaml>:9:14: activity 'a1', field 'type': unknown activity type \"wroker\" (expected "
         "one of trigger, worker, await, hook, signal, cycle, interrupt)"],
    ),
    (
        "unknown activity field",
        graph("""
            activities:
              t1: {type: trigger}
              a1:
                type: worker
                topic: x
                inputs: {maps: {}}
        """),
        ["<yaml>:12:11: activity 'a1', field 'inputs': unknown field 'inputs' for a worker "
         "activity"],
    ),
    (
        "transition to a missing activity",
        graph("""
            activities:
              t1: {type: trigger}
            transitions:
              t1:
                - to: a9
        """),
        ["<yaml>:11:13: activity 't1', field 'transitions[0].to': transition to 'a9', which is "
         "not an activity of this graph"],
    ),
    (
        "transition from a missing activity",
        graph("""
            activities:
              t1: {type: trigger}
            transitions:
              nope: [{to: t1}]
        """),
        ["<yaml>:10:9: field 'app.graphs[0].transitions.nope': transition from 'nope', which is "
         "not an activity of this graph"],
    ),
    (
        "cycle ancestor not upstream",
        graph("""
            activities:
              t1: {type: trigger}
              h1: {type: hook}
              w1: {type: worker, topic: x}
              c1: {type: cycle, ancestor: w1}
            transitions:
              t1: [{to: h1}, {to: w1}]
              h1: [{to: c1}]
        """),
        ["<yaml>:11:27: activity 'c1', field 'ancestor': cycle ancestor 'w1' is not upstream "
         "of 'c1'"],
    ),
    (
        "cycle ancestor missing",
        graph("""
            activities:
              t1: {type: trigger}
              c1: {type: cycle}
            transitions:
              t1: [{to: c1}]
        """),
        ["<yaml>:9:13: activity 'c1', field 'ancestor': a cycle activity needs an 'ancestor' "
         "to return to"],
    ),
    (
        "unknown pipe function",
        graph("""
            activities:
              t1: {type: trigger}
              a1:
                type: worker
                topic: x
                input:
                  maps:
                    name:
                      '@pipe':
                        - ['{t1.output.data.name}']
                        - ['{@string.toLowerKase}']
            transitions:
              t1: [{to: a1}]
        """),
        ["<yaml>:17:22: activity 'a1', field 'input.maps': unknown function "
         "{@string.toLowerKase}"],
    ),
    (
        "unknown pipe domain",
        graph("""
            activities:
              t1: {type: trigger}
              a1: {type: worker, topic: x, input: {maps: {v: '{@strings.trim}'}}}
            transitions:
              t1: [{to: a1}]
        """),
        ["<yaml>:9:56: activity 'a1', field 'input.maps': unknown function {@strings.trim} "
         "(no domain @strings)"],
    ),
    (
        "reference to an activity that cannot have run",
        graph("""
            activities:
              t1: {type: trigger}
              a1: {type: worker, topic: x}
              a2: {type: worker, topic: y, input: {maps: {v: '{a3.output.data.v}'}}}
              a3: {type: worker, topic: z}
            transitions:
              t1: [{to: a1}, {to: a2}]
              a1: [{to: a3}]
        """),
        ["<yaml>:10:56: activity 'a2', field 'input.maps': '{a3.output.data.v}' refers to "
         "activity 'a3', which cannot have run before this point (it is not upstream)"],
    ),
    (
        "reference to a missing activity",
        graph("""
            activities:
              t1: {type: trigger}
              a1: {type: worker, topic: x, input: {maps: {v: '{ghost.output.data.v}'}}}
            transitions:
              t1: [{to: a1}]
        """),
        ["<yaml>:9:56: activity 'a1', field 'input.maps': '{ghost.output.data.v}' refers to "
         "activity 'ghost', which does not exist"],
    ),
    (
        "duplicate activity ids across graphs",
        HEADER + textwrap.indent(textwrap.dedent("""
            activities:
              t1: {type: trigger}
        """), "      ") + textwrap.dedent("""\
            - subscribes: order.shipped
              activities:
                t1: {type: trigger}
        """).replace("\n", "\n    ").replace("- subscribes", "    - subscribes", 1).rstrip() + "\n",
        ["<yaml>:11:9: activity 't1': activity id 't1' is used twice (ids are unique across "
         "all graphs of an app; also in graph 1)"],
    ),
    (
        "duplicate subscribes",
        """\
app:
  id: shop
  version: '1'
  graphs:
    - subscribes: order.placed
      activities: {t1: {type: trigger}}
    - subscribes: order.placed
      activities: {t2: {type: trigger}}
""",
        ["<yaml>:7:19: field 'app.graphs[1].subscribes': topic 'order.placed' is subscribed by "
         "two graphs (also at <yaml>:5:19)"],
    ),
    (
        "bad subscribes",
        """\
app:
  id: shop
  version: '1'
  graphs:
    - subscribes: 'order placed; DROP TABLE x'
      activities: {t1: {type: trigger}}
""",
        ["<yaml>:5:7: field 'app.graphs[0].subscribes': subscribes must be a topic (letters, "
         "digits, '.', '_', '-', '/'), got \"order placed; DROP TABLE x\""],
    ),
    (
        "missing subscribes",
        """\
app:
  id: shop
  version: '1'
  graphs:
    - activities: {t1: {type: trigger}}
""",
        ["<yaml>:5:7: field 'app.graphs[0].subscribes': a graph must say which topic it "
         "'subscribes' to"],
    ),
    (
        "non-string app id",
        """\
app:
  id: 42
  version: '1'
  graphs:
    - subscribes: a.b
      activities: {t1: {type: trigger}}
""",
        ["<yaml>:2:3: field 'app.id': app.id must be a string, got the number 42"],
    ),
    (
        "invalid app id",
        """\
app:
  id: "my app"
  version: '1'
  graphs:
    - subscribes: a.b
      activities: {t1: {type: trigger}}
""",
        ["<yaml>:2:7: field 'app.id': app.id 'my app' must be 1-63 letters, digits, '_', '.' "
         "or '-', starting with a letter or digit"],
    ),
    (
        "missing version",
        """\
app:
  id: shop
  graphs:
    - subscribes: a.b
      activities: {t1: {type: trigger}}
""",
        ["<yaml>:2:3: field 'app.version': app.version is required"],
    ),
    (
        "boolean version",
        """\
app:
  id: shop
  version: true
  graphs:
    - subscribes: a.b
      activities: {t1: {type: trigger}}
""",
        ["<yaml>:3:3: field 'app.version': app.version must be a string, got a boolean"],
    ),
    (
        "invalid JSON schema",
        graph("""
            input:
              schema: {type: objekt}
            activities:
              t1: {type: trigger}
        """),
        ["<yaml>:8:9: field 'app.graphs[0].input.schema': invalid JSON schema at type: "
         "'objekt' is not valid under any of the given schemas"],
    ),
    (
        "invalid activity JSON schema",
        graph("""
            activities:
              t1: {type: trigger}
              a1:
                type: worker
                topic: x
                output:
                  schema: {type: object, required: yes}
            transitions:
              t1: [{to: a1}]
        """),
        ["<yaml>:13:13: activity 'a1', field 'output.schema': invalid JSON schema at "
         "required: True is not of type 'array'"],
    ),
    (
        "no trigger",
        graph("""
            activities:
              a1: {type: worker, topic: x}
        """),
        ["<yaml>:7:7: field 'app.graphs[0].activities': a graph needs one activity of type "
         "trigger"],
    ),
    (
        "two triggers",
        graph("""
            activities:
              t1: {type: trigger}
              t2: {type: trigger}
        """),
        ["<yaml>:9:9: activity 't2', field 'type': a graph has exactly one trigger (also 't1')"],
    ),
    (
        "transitions form a loop",
        graph("""
            activities:
              t1: {type: trigger}
              a1: {type: worker, topic: x}
              a2: {type: worker, topic: y}
            transitions:
              t1: [{to: a1}]
              a1: [{to: a2}]
              a2: [{to: a1}]
        """),
        ["<yaml>:10:9: activity 'a2', field 'transitions': transitions form a loop "
         "(a1 -> a2 -> a1); use a cycle activity to repeat work"],
    ),
    (
        "bad gate and code",
        graph("""
            activities:
              t1: {type: trigger}
              a1: {type: worker, topic: x}
            transitions:
              t1:
                - to: a1
                  conditions:
                    gate: xor
                    code: '200'
        """),
        ["<yaml>:14:15: activity 't1', field 'transitions[0].conditions.gate': gate must be "
         "'and' or 'or', got \"xor\"",
         "<yaml>:15:15: activity 't1', field 'transitions[0].conditions.code': condition code "
         "must be a status code or a list of them (100-999), got \"200\""],
    ),
    (
        "match rule without actual",
        graph("""
            activities:
              t1: {type: trigger}
              a1: {type: worker, topic: x}
            transitions:
              t1:
                - to: a1
                  conditions:
                    match:
                      - expected: true
        """),
        ["<yaml>:15:19: activity 't1', field 'transitions[0].conditions.match[0]': a match "
         "rule needs 'expected' and 'actual'"],
    ),
    (
        "hook rule to a non-hook",
        graph("""
            activities:
              t1: {type: trigger}
              a1: {type: worker, topic: x}
            transitions:
              t1: [{to: a1}]
            hooks:
              order.approve:
                - to: a1
                  conditions:
                    match:
                      - expected: '{$job.metadata.jid}'
                        actual: '{$self.hook.data.id}'
        """),
        ["<yaml>:14:13: activity 'a1', field 'hooks.order.approve[0]': hook rule to 'a1', "
         "which is a worker, not a hook"],
    ),
    (
        "worker without topic",
        graph("""
            activities:
              t1: {type: trigger}
              a1: {type: worker}
            transitions:
              t1: [{to: a1}]
        """),
        ["<yaml>:9:13: activity 'a1', field 'topic': a worker activity needs a 'topic'"],
    ),
    (
        "reduce variable outside reduce",
        graph("""
            activities:
              t1: {type: trigger, job: {maps: {x: '{$item.name}'}}}
        """),
        ["<yaml>:8:45: activity 't1', field 'job.maps.x': '{$item.name}': $item is only "
         "defined inside a @reduce"],
    ),
    (
        "bad job map suffix",
        graph("""
            activities:
              t1: {type: trigger, job: {maps: {'x[*]': 1}}}
        """),
        ["<yaml>:8:42: activity 't1', field 'job.maps.x[*]': job map key 'x[*]': the suffix is "
         "[N], [-] or [_]"],
    ),
    (
        "pipe row not starting with a function",
        graph("""
            activities:
              t1:
                type: trigger
                job:
                  maps:
                    x:
                      '@pipe':
                        - [1, 2]
                        - ['{t1.output.data.a}']
        """),
        ["<yaml>:15:22: activity 't1', field 'job.maps.x': a @pipe row after the first must "
         "start with a {@function}, got \"{t1.output.data.a}\""],
    ),
    (
        "unknown top-level and graph fields",
        """\
app:
  id: shop
  version: '1'
  graphs:
    - subscribes: a.b
      activites: {}
      activities: {t1: {type: trigger}}
extra: 1
""",
        ["<yaml>:6:7: field 'app.graphs[0].activites': unknown graph field 'activites'",
         "<yaml>:8:1: field 'extra': unknown top-level field 'extra'"],
    ),
    (
        "invalid YAML",
        "app:\n  id: [shop\n",
        ["<yaml>:3:1: invalid YAML: expected ',' or ']', but got '<stream end>'"],
    ),
    (
        "not a manifest",
        "graphs:\n  - subscribes: a\n",
        ["<yaml>:1:1: a manifest starts with 'app:' (with id, version and graphs)"],
    ),
]


@pytest.mark.parametrize(("name", "manifest", "expected"), CASES, ids=[c[0] for c in CASES])
def test_invalid_manifest_is_reported_with_its_location(name, manifest, expected):
    assert errors(manifest) == expected


def test_at_least_25_invalid_manifests_are_covered():
    assert len(CASES) >= 25


def test_every_problem_is_reported_not_only_the_first():
    found = errors(graph("""
        activities:
          t1: {type: trigger, colour: red}
          a1: {type: worker}
          a2: {type: nope}
        transitions:
          t1: [{to: a1}, {to: zz}]
    """))
    assert len(found) == 4
    assert [line.split(": ", 1)[0] for line in found] == [
        "<yaml>:8:29", "<yaml>:9:13", "<yaml>:10:14", "<yaml>:12:25"]


def test_errors_in_a_referenced_file_name_that_file(tmp_path: Path):
    (tmp_path / "graphs").mkdir()
    (tmp_path / "graphs" / "orders.yaml").write_text(
        "subscribes: order.placed\nactivities:\n  t1: {type: trigger, bogus: 1}\n")
    (tmp_path / "app.yaml").write_text(
        "app:\n  id: shop\n  version: '1'\n  graphs:\n    - $ref: ./graphs/orders.yaml\n")
    with pytest.raises(CompileError) as err:
        compile_source(tmp_path / "app.yaml")
    [diagnostic] = err.value.diagnostics
    assert str(diagnostic).startswith(f"{tmp_path / 'graphs' / 'orders.yaml'}:3:23:")
    assert str(diagnostic).endswith("unknown field 'bogus' for a trigger activity")


def test_a_missing_ref_file_is_named(tmp_path: Path):
    (tmp_path / "app.yaml").write_text(
        "app:\n  id: shop\n  version: '1'\n  graphs:\n    - $ref: ./missing.yaml\n")
    with pytest.raises(CompileError) as err:
        compile_source(tmp_path / "app.yaml")
    assert str(err.value.diagnostics[0]) == (
        f"{tmp_path / 'app.yaml'}:5:7: field '$ref': $ref file not found: "
        f"{tmp_path / 'missing.yaml'}")


def test_a_missing_manifest_file_is_named():
    with pytest.raises(CompileError) as err:
        compile_source("/nonexistent/manifest.yaml")
    assert str(err.value.diagnostics[0]) == (
        "manifest file not found: /nonexistent/manifest.yaml")
