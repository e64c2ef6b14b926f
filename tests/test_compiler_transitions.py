"""What the compiler tells the engine about an activity's transitions: whether any has a
condition (the engine then loads the activity's context), and otherwise the children for each
status code ("next"), so the engine takes them without looking the transitions up."""

from __future__ import annotations

import textwrap

from pyhotmesh.compiler import compile_source

MANIFEST = textwrap.dedent("""\
    app:
      id: shop
      version: '1'
      graphs:
        - subscribes: order.placed
          activities:
            t1: {type: trigger}
            a: {type: worker, topic: a}
            b: {type: worker, topic: b}
            c: {type: worker, topic: c}
            d: {type: hook}
          transitions:
            t1: [{to: a}, {to: b}]
            a:
              - to: c
              - to: d
                conditions: {code: [422, 500]}
              - to: b
            b:
              - to: d
                conditions:
                  match: [{expected: true, actual: '{b.output.data.ok}'}]
    """)


def activities() -> dict:
    _, compiled = compile_source(MANIFEST)
    return compiled["graphs"][0]["activities"]


def test_unconditional_transitions_name_the_children_of_each_code_in_yaml_order():
    compiled = activities()
    assert compiled["t1"]["conditional"] is False
    assert compiled["t1"]["next"] == {"200": ["a", "b"]}
    assert compiled["a"]["conditional"] is False
    assert compiled["a"]["next"] == {"200": ["c", "b"], "422": ["d"], "500": ["d"]}


def test_an_activity_with_a_conditional_transition_has_no_next():
    compiled = activities()
    assert compiled["b"]["conditional"] is True
    assert "next" not in compiled["b"]


def test_an_activity_without_transitions_has_no_children_and_needs_no_context():
    compiled = activities()
    for leaf in ("c", "d"):
        assert compiled[leaf]["conditional"] is False
        assert compiled[leaf]["next"] == {}
