"""The YAML graph DSL: which fields each part of a manifest may have, and which of them hold
mapping expressions (compiled to SQL) rather than literal settings."""

from __future__ import annotations

import re

ACTIVITY_TYPES = ("trigger", "worker", "await", "hook", "signal", "cycle", "interrupt")
LEGACY_TYPES = {"activity": "hook"}  # HotMesh's old name for a hook

APP_FIELDS = {"id", "version", "settings", "graphs", "name", "title", "description"}
GRAPH_FIELDS = {
    "subscribes", "publishes", "expire", "persistent", "input", "output", "activities",
    "transitions", "hooks", "name", "title", "description",
}

# Fields every activity may carry.
COMMON_FIELDS = {
    "type", "title", "description", "job", "emit", "persist", "expire", "persistent",
    "statusThreshold", "telemetry",
}
ACTIVITY_FIELDS = {
    "trigger": COMMON_FIELDS | {"stats", "entity", "input", "output"},
    "worker": COMMON_FIELDS | {"topic", "subtype", "input", "output", "retry"},
    "await": COMMON_FIELDS | {"topic", "subtype", "input", "output", "await", "retry"},
    "hook": COMMON_FIELDS | {"sleep", "hook", "output", "escalation"},
    "signal": COMMON_FIELDS | {
        "subtype", "topic", "signal", "status", "code", "key_name", "key_value", "resolver",
        "scrub", "output",
    },
    "cycle": COMMON_FIELDS | {"ancestor", "input", "output"},
    "interrupt": COMMON_FIELDS | {
        "target", "topic", "reason", "throw", "code", "descend", "stack", "output",
    },
}

# Sections that hold {schema, maps}; which of them each type may map.
SECTION_FIELDS = {"schema", "maps"}
STATS_FIELDS = {"id", "key", "granularity", "measures", "parent", "adjacent"}
ESCALATION_FIELDS = {
    "role", "type", "subtype", "priority", "description", "entity", "metadata", "envelope",
    "expiresAt", "originId", "parentId", "initiatedBy", "traceId", "spanId", "taskQueue",
    "workflowType",
}

# Scalar fields whose value is a mapping expression (a literal, a {reference} or a @pipe).
EXPRESSION_FIELDS = {
    "emit", "persist", "expire", "persistent", "statusThreshold", "entity", "sleep", "await",
    "topic", "target", "reason", "throw", "code", "descend", "stack", "status", "key_name",
    "key_value", "scrub",
}

TRANSITION_FIELDS = {"to", "conditions"}
CONDITION_FIELDS = {"code", "gate", "match"}
MATCH_FIELDS = {"expected", "actual"}

# An activity id is used inside references ({aid.output.data.x}): no dots or braces.
ACTIVITY_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$")
# An app id is also a value of hotmesh.apps.app_id (same rule as its CHECK constraint).
APP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
# Topics: graph subscribes/publishes, worker topics, hook topics; a leading '.' marks private.
TOPIC = re.compile(r"^\.?[A-Za-z0-9_][A-Za-z0-9_.\-/]{0,254}$")
