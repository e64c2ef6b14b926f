"""Validate a manifest and compile it: activities, transitions, hook rules and subscriptions,
with every mapping expression as SQL and what each activity consumes and produces.

All problems are collected (not only the first) and raised together as a CompileError whose
diagnostics name file, line, column, activity and field.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import jsonschema

from . import dsl
from .diagnostics import CompileError, Diagnostic, Mark
from .expressions import (Scope, compile_condition, compile_mapping, compile_value,
                          encoded_field)
from .loader import key_mark, mark_of

# The fields of each section an activity may have, and whether its maps are expressions.
_SECTIONS = {"input", "output", "job", "signal", "resolver"}


class _Graph:
    """One graph of the manifest while it is being checked and compiled."""

    def __init__(self, index: int, source: dict, file: str) -> None:
        self.index = index
        self.source = source
        self.file = file
        self.activities: dict[str, dict] = {}
        self.declared: set[str] = set()  # every id written, valid or not
        self.trigger: str | None = None
        self.edges: dict[str, list[str]] = {}
        self.parents: dict[str, list[str]] = {}
        self.ancestors: dict[str, list[str]] = {}
        self.depth: dict[str, int] = {}


class ManifestCompiler:
    def __init__(self, document: Any, file: str, codec: bool = False) -> None:
        self.document = document
        self.file = file
        self.codec = codec  # compile for a payload codec (see expressions.Scope)
        self.errors: list[Diagnostic] = []
        self.root_mark = mark_of(document, Mark(file, 1, 1))

    def error(self, message: str, mark: Mark | None, activity: str | None = None,
              field: str | None = None) -> None:
        self.errors.append(Diagnostic(message, mark or self.root_mark, activity, field))

    # -- the manifest ------------------------------------------------------------------------

    def compile(self) -> dict:
        if not isinstance(self.document, dict) or "app" not in self.document:
            self.error("a manifest starts with 'app:' (with id, version and graphs)",
                       self.root_mark)
            raise CompileError(self.errors)
        for key in self.document:
            if key != "app":
                self.error(f"unknown top-level field '{key}'", key_mark(self.document, key),
                           field=key)
        app = self.document["app"]
        if not isinstance(app, dict):
            self.error("'app' must be a mapping", key_mark(self.document, "app"), field="app")
            raise CompileError(self.errors)
        app_id, version = self._app_header(app)
        graphs = self._graphs(app)
        compiled_graphs = [self._compile_graph(graph) for graph in graphs]
        if self.errors:
            raise CompileError(self.errors)
        compiled = {
            "app": {"id": app_id, "version": version, "settings": app.get("settings") or {}},
            "graphs": compiled_graphs,
        }
        compiled["checksum"] = hashlib.sha256(
            json.dumps(compiled, sort_keys=True).encode()).hexdigest()
        return compiled

    def _app_header(self, app: dict) -> tuple[str, str]:
        for key in app:
            if key not in dsl.APP_FIELDS:
                self.error(f"unknown app field '{key}'", key_mark(app, key), field=f"app.{key}")
        app_id = app.get("id")
        if "id" not in app:
            self.error("app.id is required", mark_of(app), field="app.id")
        elif not isinstance(app_id, str):
            self.error(f"app.id must be a string, got {_kind(app_id)}", key_mark(app, "id"),
                       field="app.id")
        elif not dsl.APP_ID.match(app_id):
            self.error(f"app.id '{app_id}' must be 1-63 letters, digits, '_', '.' or '-', "
                       "starting with a letter or digit", mark_of(app_id), field="app.id")
        version = app.get("version")
        if "version" not in app:
            self.error("app.version is required", mark_of(app), field="app.version")
        elif isinstance(version, bool) or not isinstance(version, (str, int)):
            self.error(f"app.version must be a string, got {_kind(version)}",
                       key_mark(app, "version"), field="app.version")
        elif str(version).strip() == "":
            self.error("app.version must not be empty", key_mark(app, "version"),
                       field="app.version")
        settings = app.get("settings")
        if settings is not None and not isinstance(settings, dict):
            self.error("app.settings must be a mapping", key_mark(app, "settings"),
                       field="app.settings")
        return (str(app_id) if app_id is not None else "", str(version))

    def _graphs(self, app: dict) -> list[_Graph]:
        graphs = app.get("graphs")
        if not isinstance(graphs, list) or not graphs:
            self.error("app.graphs must be a non-empty list of graphs",
                       key_mark(app, "graphs") if "graphs" in app else mark_of(app),
                       field="app.graphs")
            return []
        result: list[_Graph] = []
        seen_topics: dict[str, Mark | None] = {}
        seen_ids: dict[str, int] = {}
        for index, source in enumerate(graphs):
            if not isinstance(source, dict):
                self.error(f"graph {index + 1} must be a mapping", mark_of(source, mark_of(graphs)),
                           field=f"app.graphs[{index}]")
                continue
            graph = _Graph(index, source, self.file)
            self._graph_header(graph, seen_topics)
            self._collect_activities(graph, seen_ids)
            result.append(graph)
        return result

    # -- a graph -----------------------------------------------------------------------------

    def _graph_header(self, graph: _Graph, seen_topics: dict[str, Mark | None]) -> None:
        source = graph.source
        where = f"app.graphs[{graph.index}]"
        for key in source:
            if key not in dsl.GRAPH_FIELDS:
                self.error(f"unknown graph field '{key}'", key_mark(source, key),
                           field=f"{where}.{key}")
        subscribes = source.get("subscribes")
        if subscribes is None:
            self.error("a graph must say which topic it 'subscribes' to", mark_of(source),
                       field=f"{where}.subscribes")
        elif not isinstance(subscribes, str) or not dsl.TOPIC.match(subscribes):
            self.error(f"subscribes must be a topic (letters, digits, '.', '_', '-', '/'), got "
                       f"{json.dumps(subscribes, default=str)}", key_mark(source, "subscribes"),
                       field=f"{where}.subscribes")
        elif subscribes in seen_topics:
            self.error(f"topic '{subscribes}' is subscribed by two graphs (also at "
                       f"{seen_topics[subscribes]})", mark_of(subscribes),
                       field=f"{where}.subscribes")
        else:
            seen_topics[subscribes] = mark_of(subscribes)
        publishes = source.get("publishes")
        if publishes is not None and (not isinstance(publishes, str)
                                      or not dsl.TOPIC.match(publishes)):
            self.error(f"publishes must be a topic, got {json.dumps(publishes, default=str)}",
                       key_mark(source, "publishes"), field=f"{where}.publishes")
        for section in ("input", "output"):
            self._schema_section(source.get(section), f"{where}.{section}", None,
                                 key_mark(source, section), allow_maps=False)

    def _collect_activities(self, graph: _Graph, seen_ids: dict[str, int]) -> None:
        activities = graph.source.get("activities")
        where = f"app.graphs[{graph.index}].activities"
        if not isinstance(activities, dict) or not activities:
            self.error("a graph needs 'activities', a mapping of activity id to activity",
                       key_mark(graph.source, "activities"), field=where)
            return
        for aid, activity in activities.items():
            mark = key_mark(activities, aid)
            graph.declared.add(aid)
            if not dsl.ACTIVITY_ID.match(aid):
                self.error(f"activity id '{aid}' must start with a letter or '_' and hold only "
                           "letters, digits, '_' and '-'", mark, activity=aid)
                continue
            if aid in seen_ids:
                self.error(f"activity id '{aid}' is used twice (ids are unique across all "
                           f"graphs of an app; also in graph {seen_ids[aid] + 1})", mark,
                           activity=aid)
                continue
            seen_ids[aid] = graph.index
            if not isinstance(activity, dict):
                self.error("an activity must be a mapping with a 'type'", mark, activity=aid)
                continue
            kind = activity.get("type")
            kind = dsl.LEGACY_TYPES.get(kind, kind) if isinstance(kind, str) else kind
            if kind not in dsl.ACTIVITY_TYPES:
                self.error(
                    f"unknown activity type {json.dumps(kind, default=str)} (expected one of "
                    f"{', '.join(dsl.ACTIVITY_TYPES)})",
                    key_mark(activity, "type") if "type" in activity else mark,
                    activity=aid, field="type")
                continue
            if kind == "trigger":
                if graph.trigger:
                    self.error(f"a graph has exactly one trigger (also '{graph.trigger}')",
                               mark, activity=aid, field="type")
                    continue
                graph.trigger = aid
            graph.activities[aid] = {"type": kind, "source": activity, "mark": mark}
        if graph.activities and not graph.trigger and not any(
                d.activity in graph.activities and d.field == "type" for d in self.errors):
            self.error("a graph needs one activity of type trigger",
                       key_mark(graph.source, "activities"), field=where)

    # -- compiling a graph -------------------------------------------------------------------

    def _compile_graph(self, graph: _Graph) -> dict:
        self._transitions(graph)
        self._ancestry(graph)
        known = set(graph.activities)
        compiled_activities = {}
        consumes_all: dict[str, dict[str, set[str]]] = {}
        for aid, info in graph.activities.items():
            compiled, consumes = self._activity(graph, aid, info, known)
            compiled_activities[aid] = compiled
            consumes_all[aid] = consumes
        transitions = self._compile_transitions(graph, known, consumes_all)
        for aid, compiled in compiled_activities.items():
            edges = transitions.get(aid, [])
            # the engine evaluates no context for an activity whose transitions need none
            compiled["conditional"] = any(e["condition"] for e in edges)
            if not compiled["conditional"]:
                # and looks none up: the children for each status code, in YAML order
                following: dict[str, list[str]] = {}
                for edge in edges:
                    for code in edge["codes"]:
                        following.setdefault(str(code), []).append(edge["to"])
                compiled["next"] = following
        hooks = self._compile_hooks(graph, known, consumes_all)
        # produces: the paths of an activity that anything reads (only those are stored)
        produces: dict[str, set[str]] = {aid: set() for aid in graph.activities}
        for consumes in consumes_all.values():
            for target, paths in consumes.items():
                if target in produces:
                    produces[target] |= paths
        for aid, compiled in compiled_activities.items():
            compiled["consumes"] = {k: sorted(v) for k, v in sorted(consumes_all[aid].items())}
            compiled["produces"] = sorted(produces[aid])
            # what the engine loads to evaluate this activity's expressions: each activity
            # read, with its depth (its instance is the current address cut to that depth)
            compiled["reads"] = {k: graph.depth[k] for k in sorted(consumes_all[aid])
                                 if k in graph.depth}
            compiled["reads_fields"] = _fields_at_zero(compiled["reads"], aid)
            compiled["reads_job"] = "$job" in consumes_all[aid]
        source = graph.source
        return {
            "subscribes": source.get("subscribes"),
            "publishes": source.get("publishes"),
            "expire": self._graph_expression(graph, "expire"),
            "persistent": self._graph_expression(graph, "persistent"),
            "input_schema": (source.get("input") or {}).get("schema"),
            "output_schema": (source.get("output") or {}).get("schema"),
            "trigger": graph.trigger,
            "activities": compiled_activities,
            "transitions": transitions,
            "hooks": hooks,
        }

    def _graph_expression(self, graph: _Graph, name: str) -> dict | None:
        if name not in graph.source:
            return None
        scope = Scope(graph.trigger, {graph.trigger} if graph.trigger else set(),
                      set(graph.activities), codec=self.codec)
        sql, _ = compile_value(graph.source[name], scope, name,
                               key_mark(graph.source, name), self.errors)
        return _expression(graph.source[name], sql)

    def _transitions(self, graph: _Graph) -> None:
        transitions = graph.source.get("transitions") or {}
        where = f"app.graphs[{graph.index}].transitions"
        if not isinstance(transitions, dict):
            self.error("transitions must map an activity id to a list of {to, conditions}",
                       key_mark(graph.source, "transitions"), field=where)
            return
        for source_id, edges in transitions.items():
            mark = key_mark(transitions, source_id)
            if source_id in graph.declared and source_id not in graph.activities:
                continue
            if source_id not in graph.activities:
                self.error(f"transition from '{source_id}', which is not an activity of this "
                           "graph", mark, field=f"{where}.{source_id}")
                continue
            if not isinstance(edges, list):
                self.error("transitions of an activity must be a list of {to, conditions}",
                           mark, activity=source_id, field="transitions")
                continue
            for position, edge in enumerate(edges):
                edge_mark = mark_of(edge, mark)
                if not isinstance(edge, dict):
                    self.error("a transition must be a mapping with 'to'", edge_mark,
                               activity=source_id, field=f"transitions[{position}]")
                    continue
                for key in edge:
                    if key not in dsl.TRANSITION_FIELDS:
                        self.error(f"unknown transition field '{key}'", key_mark(edge, key),
                                   activity=source_id, field=f"transitions[{position}].{key}")
                target = edge.get("to")
                if target in graph.declared and target not in graph.activities:
                    continue  # the activity itself is invalid and reported already
                if target not in graph.activities:
                    self.error(f"transition to '{target}', which is not an activity of this "
                               "graph", key_mark(edge, "to") if "to" in edge else edge_mark,
                               activity=source_id, field=f"transitions[{position}].to")
                    continue
                if target == graph.trigger:
                    self.error("no transition may lead back to the trigger",
                               key_mark(edge, "to"), activity=source_id,
                               field=f"transitions[{position}].to")
                    continue
                graph.edges.setdefault(source_id, []).append(target)
                graph.parents.setdefault(target, []).append(source_id)

    def _ancestry(self, graph: _Graph) -> None:
        """Ancestors of every activity (the ids that must have run before it); loops are
        refused: a graph repeats work with a cycle activity instead."""
        state: dict[str, str] = {}

        def visit(aid: str, path: list[str]) -> None:
            state[aid] = "active"
            for child in graph.edges.get(aid, []):
                if state.get(child) == "active":
                    loop = " -> ".join([*path[path.index(child):], child])
                    info = graph.activities[aid]
                    self.error(f"transitions form a loop ({loop}); use a cycle activity to "
                               "repeat work", info["mark"], activity=aid, field="transitions")
                elif child not in state:
                    visit(child, [*path, child])
            state[aid] = "done"

        if graph.trigger:
            visit(graph.trigger, [graph.trigger])

        def ancestors(aid: str, seen: set[str]) -> list[str]:
            found: list[str] = []
            for parent in graph.parents.get(aid, []):
                if parent in seen:
                    continue
                seen.add(parent)
                for upstream in ancestors(parent, seen):
                    if upstream not in found:
                        found.append(upstream)
                if parent not in found:
                    found.append(parent)
            return found

        for aid in graph.activities:
            graph.ancestors[aid] = ancestors(aid, set())

        def depth(aid: str, seen: set[str]) -> int:
            """Segments of the activity's dimensional address: 1 + its first parent's."""
            parents = [p for p in graph.parents.get(aid, []) if p not in seen]
            return 1 if not parents else 1 + depth(parents[0], seen | {aid})

        for aid in graph.activities:
            graph.depth[aid] = depth(aid, set())

    # -- activities --------------------------------------------------------------------------

    def _activity(self, graph: _Graph, aid: str, info: dict, known: set[str]
                  ) -> tuple[dict, dict[str, set[str]]]:
        kind = info["type"]
        source = info["source"]
        allowed = dsl.ACTIVITY_FIELDS[kind]
        for key in source:
            if key not in allowed:
                self.error(f"unknown field '{key}' for a {kind} activity",
                           key_mark(source, key), activity=aid, field=key)
        visible = {aid, *graph.ancestors.get(aid, [])}
        scope = Scope(aid, visible, known, codec=self.codec)
        consumes: dict[str, set[str]] = {}

        def expression(field: str, value: Any, mark: Mark | None) -> dict:
            sql, fast, reads = compile_mapping(value, scope, field, mark, self.errors)
            for target, paths in reads.items():
                consumes.setdefault(target, set()).update(paths)
            return _expression(value, sql, fast)

        compiled: dict[str, Any] = {
            "id": aid,
            "type": kind,
            "graph": graph.source.get("subscribes"),
            "parent": (graph.parents.get(aid) or [None])[0],
            "ancestors": graph.ancestors.get(aid, []),
            "depth": graph.depth.get(aid, 1),
            "children": graph.edges.get(aid, []),
            "title": source.get("title"),
            "conditional": False,
            "expressions": {},
            "maps": {},
            "settings": {},
        }
        for key, value in source.items():
            if key not in allowed or key == "type":
                continue
            mark = key_mark(source, key)
            if key in dsl.EXPRESSION_FIELDS:
                compiled["expressions"][key] = expression(key, value, mark)
            elif key in _SECTIONS:
                section = self._schema_section(value, key, aid, mark, allow_maps=True)
                if section.get("maps") is not None:
                    maps = section["maps"]
                    if key == "job":
                        compiled["maps"]["job"] = self._job_maps(maps, expression, aid, mark)
                    else:
                        compiled["maps"][key] = expression(f"{key}.maps", maps,
                                                           key_mark(value, "maps"))
                if section.get("schema") is not None:
                    compiled["settings"][f"{key}_schema"] = section["schema"]
            elif key == "stats":
                compiled["expressions"].update(self._stats(value, expression, aid, mark))
            elif key == "telemetry":
                if not isinstance(value, dict):
                    self.error("telemetry must map attribute names to values", mark,
                               activity=aid, field=key)
                else:
                    compiled["maps"]["telemetry"] = expression("telemetry", value, mark)
            elif key == "escalation":
                compiled["maps"]["escalation"] = self._escalation(value, expression, aid, mark)
            elif key == "hook":
                self._check_schema(value, aid, "hook", mark)
                compiled["settings"]["hook_schema"] = value
            else:
                compiled["settings"][key] = value
        self._activity_rules(graph, aid, kind, source, compiled)
        return compiled, consumes

    def _activity_rules(self, graph: _Graph, aid: str, kind: str, source: dict,
                        compiled: dict) -> None:
        if kind in ("worker", "await") and "topic" not in source and "subtype" not in source:
            self.error(f"a {kind} activity needs a 'topic'", mark_of(source),
                       activity=aid, field="topic")
        if kind in ("worker", "await") and "subtype" in source and "topic" not in source:
            compiled["expressions"]["topic"] = _expression(source["subtype"], None)
            compiled["settings"].pop("subtype", None)
        if kind == "signal":
            subtype = source.get("subtype", "one")
            if subtype not in ("one", "all"):
                self.error(f"a signal's subtype is 'one' or 'all', got "
                           f"{json.dumps(subtype, default=str)}",
                           key_mark(source, "subtype"), activity=aid, field="subtype")
            compiled["settings"]["subtype"] = subtype
            if "topic" not in source:
                self.error("a signal activity needs the hook 'topic' it signals",
                           mark_of(source), activity=aid, field="topic")
        if kind == "cycle":
            ancestor = source.get("ancestor")
            if ancestor is None:
                self.error("a cycle activity needs an 'ancestor' to return to",
                           mark_of(source), activity=aid, field="ancestor")
            elif ancestor not in graph.activities:
                self.error(f"cycle ancestor '{ancestor}' is not an activity of this graph",
                           key_mark(source, "ancestor"), activity=aid, field="ancestor")
            elif ancestor not in graph.ancestors.get(aid, []):
                self.error(f"cycle ancestor '{ancestor}' is not upstream of '{aid}'",
                           key_mark(source, "ancestor"), activity=aid, field="ancestor")
            elif ancestor == graph.trigger:
                self.error("a cycle cannot return to the trigger; return to a hook after it",
                           key_mark(source, "ancestor"), activity=aid, field="ancestor")
        retry = source.get("retry")
        if retry is not None and not _legacy_retry_ok(retry):
            self.error("retry must map error codes to [maximum retries], e.g. {'500': [3]}",
                       key_mark(source, "retry"), activity=aid, field="retry")

    def _schema_section(self, value: Any, field: str, aid: str | None, mark: Mark | None,
                        allow_maps: bool) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(f"{field} must be a mapping with schema and/or maps", mark,
                       activity=aid, field=field)
            return {}
        allowed = dsl.SECTION_FIELDS if allow_maps else {"schema"}
        for key in value:
            if key not in allowed:
                self.error(f"unknown field '{key}' in {field} (expected "
                           f"{' or '.join(sorted(allowed))})", key_mark(value, key),
                           activity=aid, field=f"{field}.{key}")
        if "schema" in value:
            self._check_schema(value["schema"], aid, f"{field}.schema",
                               key_mark(value, "schema"))
        if "maps" in value and not isinstance(value["maps"], dict):
            self.error(f"{field}.maps must be a mapping of field to value",
                       key_mark(value, "maps"), activity=aid, field=f"{field}.maps")
            return {"schema": value.get("schema")}
        return value

    def _check_schema(self, schema: Any, aid: str | None, field: str, mark: Mark | None) -> None:
        if not isinstance(schema, dict):
            self.error("a JSON schema must be a mapping", mark, activity=aid, field=field)
            return
        try:
            jsonschema.Draft7Validator.check_schema(plain(schema))
        except jsonschema.SchemaError as exc:
            path = "/".join(str(p) for p in exc.path)
            self.error(f"invalid JSON schema{f' at {path}' if path else ''}: {exc.message}",
                       mark, activity=aid, field=field)

    def _job_maps(self, maps: dict, expression: Any, aid: str, mark: Mark | None) -> list[dict]:
        """job.maps keys may carry HotMesh's suffixes: name[N] (reserve N slots), name[-] and
        name[_] (an object spread into job data as marker or search fields)."""
        entries = []
        for key, value in maps.items():
            suffix = None
            name = key
            if key.endswith("]") and "[" in key:
                name, _, suffix = key[:-1].rpartition("[")
                if not (suffix in ("-", "_") or suffix.isdigit()):
                    self.error(f"job map key '{key}': the suffix is [N], [-] or [_]",
                               key_mark(maps, key), activity=aid, field=f"job.maps.{key}")
                    continue
            if self.codec and suffix in ("-", "_") and _spreads_encoded(value):
                self.error(f"job map key '{key}' spreads {_spreads_encoded(value)}, which the "
                           "payload codec stores encoded: SQL cannot read its keys (spread "
                           "the whole data, or have the worker return the fields at the top "
                           "level of its data)", key_mark(maps, key), activity=aid,
                           field=f"job.maps.{key}")
                continue
            entries.append({
                "key": name,
                "spread": suffix if suffix in ("-", "_") else None,
                **expression(f"job.maps.{key}", value, key_mark(maps, key)),
            })
        return entries

    def _stats(self, stats: Any, expression: Any, aid: str, mark: Mark | None) -> dict:
        if not isinstance(stats, dict):
            self.error("stats must be a mapping (id, key, granularity, measures)", mark,
                       activity=aid, field="stats")
            return {}
        compiled = {}
        for key, value in stats.items():
            if key not in dsl.STATS_FIELDS:
                self.error(f"unknown stats field '{key}'", key_mark(stats, key), activity=aid,
                           field=f"stats.{key}")
            elif key in ("id", "key"):
                compiled[f"stats.{key}"] = expression(f"stats.{key}", value,
                                                      key_mark(stats, key))
        return compiled

    def _escalation(self, value: Any, expression: Any, aid: str, mark: Mark | None) -> Any:
        if not isinstance(value, dict):
            self.error("escalation must be a mapping", mark, activity=aid, field="escalation")
            return None
        for key in value:
            if key not in dsl.ESCALATION_FIELDS:
                self.error(f"unknown escalation field '{key}'", key_mark(value, key),
                           activity=aid, field=f"escalation.{key}")
        return expression("escalation", value, mark)

    # -- transitions and hooks ---------------------------------------------------------------

    def _compile_transitions(self, graph: _Graph, known: set[str],
                             consumes_all: dict[str, dict[str, set[str]]]) -> dict:
        transitions = graph.source.get("transitions") or {}
        compiled: dict[str, list[dict]] = {}
        if not isinstance(transitions, dict):
            return compiled
        for source_id, edges in transitions.items():
            if source_id not in graph.activities or not isinstance(edges, list):
                continue
            scope = Scope(source_id, {source_id, *graph.ancestors.get(source_id, [])}, known,
                          codec=self.codec)
            for position, edge in enumerate(edges):
                if not isinstance(edge, dict) or edge.get("to") not in graph.activities:
                    continue
                field = f"transitions[{position}].conditions"
                conditions = edge.get("conditions")
                codes, gate, match = [200], "and", []
                if conditions is not None:
                    codes, gate, match = self._conditions(conditions, source_id, field,
                                                          key_mark(edge, "conditions"))
                sql, reads = compile_condition(match, gate, scope, field,
                                               key_mark(edge, "conditions"), self.errors)
                for target, paths in reads.items():
                    consumes_all[source_id].setdefault(target, set()).update(paths)
                compiled.setdefault(source_id, []).append({
                    "to": edge["to"], "codes": codes, "gate": gate,
                    "condition": None if not match else sql,
                })
        return compiled

    def _conditions(self, conditions: Any, aid: str, field: str, mark: Mark | None
                    ) -> tuple[list[int], str, list]:
        if conditions is True:
            return [200], "and", []
        if not isinstance(conditions, dict):
            self.error("conditions must be a mapping (code, gate, match)", mark, activity=aid,
                       field=field)
            return [200], "and", []
        for key in conditions:
            if key not in dsl.CONDITION_FIELDS:
                self.error(f"unknown condition field '{key}'", key_mark(conditions, key),
                           activity=aid, field=f"{field}.{key}")
        code = conditions.get("code", 200)
        codes = code if isinstance(code, list) else [code]
        if not codes or not all(isinstance(c, int) and not isinstance(c, bool) and
                                100 <= c <= 999 for c in codes):
            self.error(f"condition code must be a status code or a list of them (100-999), got "
                       f"{json.dumps(code, default=str)}", key_mark(conditions, "code"),
                       activity=aid, field=f"{field}.code")
            codes = [200]
        gate = conditions.get("gate", "and")
        if gate not in ("and", "or"):
            self.error(f"gate must be 'and' or 'or', got {json.dumps(gate, default=str)}",
                       key_mark(conditions, "gate"), activity=aid, field=f"{field}.gate")
            gate = "and"
        match = conditions.get("match", [])
        if not isinstance(match, list):
            self.error("match must be a list of {expected, actual}",
                       key_mark(conditions, "match"), activity=aid, field=f"{field}.match")
            return codes, gate, []
        for position, rule in enumerate(match):
            rule_field = f"{field}.match[{position}]"
            if not isinstance(rule, dict) or "actual" not in rule or "expected" not in rule:
                self.error("a match rule needs 'expected' and 'actual'",
                           mark_of(rule, key_mark(conditions, "match")), activity=aid,
                           field=rule_field)
                continue
            for key in rule:
                if key not in dsl.MATCH_FIELDS:
                    self.error(f"unknown match field '{key}'", key_mark(rule, key),
                               activity=aid, field=f"{rule_field}.{key}")
        return codes, gate, [r for r in match if isinstance(r, dict) and "actual" in r]

    def _compile_hooks(self, graph: _Graph, known: set[str],
                       consumes_all: dict[str, dict[str, set[str]]]) -> dict:
        hooks = graph.source.get("hooks") or {}
        where = f"app.graphs[{graph.index}].hooks"
        compiled: dict[str, list[dict]] = {}
        if not isinstance(hooks, dict):
            self.error("hooks must map a signal topic to a list of rules",
                       key_mark(graph.source, "hooks"), field=where)
            return compiled
        for topic, rules in hooks.items():
            mark = key_mark(hooks, topic)
            if not dsl.TOPIC.match(topic):
                self.error(f"hook topic '{topic}' is not a valid topic", mark,
                           field=f"{where}.{topic}")
                continue
            if not isinstance(rules, list) or not rules:
                self.error("a hook topic needs a list of rules {to, conditions: {match}}", mark,
                           field=f"{where}.{topic}")
                continue
            for position, rule in enumerate(rules):
                field = f"hooks.{topic}[{position}]"
                target = rule.get("to") if isinstance(rule, dict) else None
                if target not in graph.activities:
                    self.error(f"hook rule to '{target}', which is not an activity of this graph",
                               mark_of(rule, mark), field=field)
                    continue
                if graph.activities[target]["type"] != "hook":
                    self.error(f"hook rule to '{target}', which is a "
                               f"{graph.activities[target]['type']}, not a hook",
                               key_mark(rule, "to"), activity=target, field=field)
                    continue
                match = ((rule.get("conditions") or {}).get("match")
                         if isinstance(rule.get("conditions"), dict) else None)
                if not isinstance(match, list) or not match or not isinstance(match[0], dict):
                    self.error("a hook rule needs conditions.match with one {expected, actual}",
                               mark_of(rule, mark), activity=target, field=field)
                    continue
                first = match[0]
                waiting = Scope(target, {target, *graph.ancestors.get(target, [])}, known,
                                codec=self.codec)
                signal = Scope(target, set(), known, signal=True, codec=self.codec)
                expected_sql, reads = compile_value(first.get("expected"), waiting,
                                                    f"{field}.expected",
                                                    key_mark(first, "expected"), self.errors)
                for reader, paths in reads.items():
                    consumes_all[target].setdefault(reader, set()).update(paths)
                actual_sql, _ = compile_value(first.get("actual"), signal, f"{field}.actual",
                                              key_mark(first, "actual"), self.errors)
                compiled.setdefault(topic, []).append(
                    {"to": target, "expected": expected_sql, "actual": actual_sql})
        return compiled


def _expression(source: Any, sql: str | None, fast: dict | None = None) -> dict:
    """A compiled expression; a constant keeps its value so the engine need not evaluate it,
    and an expression with a fast form carries it (evaluated without dynamic SQL)."""
    constant = not _has_expression(source)
    result: dict[str, Any] = {"sql": sql}
    if constant:
        result["value"] = plain(source)
    elif fast is not None:
        result["fast"] = fast
    return result


def _has_expression(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("{") and value.endswith("}")
    if isinstance(value, dict):
        return "@pipe" in value or "@reduce" in value or any(
            _has_expression(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_expression(v) for v in value)
    return False


def _fields_at_zero(reads: dict[str, int], aid: str) -> str:
    """The attribute fields of the nodes an activity reads (itself aside) when its address is
    all zeros, as most are (no cycle iteration or kept-open hook in it): each read at its
    depth d is field '<id>/' + ',0' * d. A Postgres text[] literal, so that the engine casts
    it instead of building the list with a set-returning query for every evaluation."""
    fields = [f"{key}/{',0' * depth}" for key, depth in sorted(reads.items()) if key != aid]
    quoted = ('"' + field.replace("\\", "\\\\").replace('"', '\\"') + '"' for field in fields)
    return "{" + ",".join(quoted) + "}"


def _spreads_encoded(value: Any) -> str | None:
    """The data field a job.maps spread reads whole (it is encoded under a codec)."""
    reference = value[1:-1] if isinstance(value, str) and value.startswith("{") \
        and value.endswith("}") and not value.startswith("{@") else None
    if reference is None:
        return None
    encoded = encoded_field(reference.split("."))
    return encoded if encoded == reference else None


def _legacy_retry_ok(retry: Any) -> bool:
    return isinstance(retry, dict) and all(
        str(code).isdigit() and isinstance(limits, list) and len(limits) == 1
        and isinstance(limits[0], int) and limits[0] >= 0
        for code, limits in retry.items())


def plain(value: Any) -> Any:
    """Located values as plain JSON-able Python values."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def compile_manifest(document: Any, file: str, codec: bool = False) -> dict:
    """The compiled app (JSON-able); raises CompileError listing every problem.

    codec: a payload codec is registered, so expressions must not read inside object values
    of payload data (they are stored encoded; docs/codec.md)."""
    return ManifestCompiler(document, file, codec).compile()

