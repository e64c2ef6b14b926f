-- V0002: the compiled graph of every deployed app version, as rows a DBA can query.
--
-- deploy_version() fills these from the compiler's output (also kept whole in
-- app_versions.compiled); expressions are SQL text over the job context ($1), evaluated by
-- the engine with EXECUTE … USING.

CREATE TABLE hotmesh.graph_subscriptions (
    app_id      text NOT NULL,
    version     text NOT NULL,
    topic       text NOT NULL,               -- the graph's subscribes topic
    activity_id text NOT NULL,               -- its trigger
    publishes   text,
    graph       jsonb NOT NULL,              -- graph-level settings (expire, persistent, schemas)
    PRIMARY KEY (app_id, version, topic),
    FOREIGN KEY (app_id, version) REFERENCES hotmesh.app_versions ON DELETE CASCADE
);

CREATE TABLE hotmesh.graph_activities (
    app_id      text NOT NULL,
    version     text NOT NULL,
    activity_id text NOT NULL,
    topic       text NOT NULL,               -- the subscribes topic of its graph
    type        text NOT NULL
                CHECK (type IN ('trigger', 'worker', 'await', 'hook', 'signal', 'cycle',
                                'interrupt')),
    parent      text,
    ancestors   text[] NOT NULL DEFAULT '{}',
    definition  jsonb NOT NULL,              -- expressions, maps, settings, consumes, produces
    PRIMARY KEY (app_id, version, activity_id),
    FOREIGN KEY (app_id, version) REFERENCES hotmesh.app_versions ON DELETE CASCADE
);

CREATE TABLE hotmesh.graph_transitions (
    app_id        text NOT NULL,
    version       text NOT NULL,
    from_activity text NOT NULL,
    ordinal       integer NOT NULL,          -- the order written in the YAML
    to_activity   text NOT NULL,
    codes         integer[] NOT NULL DEFAULT '{200}',
    gate          text NOT NULL DEFAULT 'and' CHECK (gate IN ('and', 'or')),
    condition_sql text,                      -- NULL: taken whenever the code matches
    PRIMARY KEY (app_id, version, from_activity, ordinal),
    FOREIGN KEY (app_id, version) REFERENCES hotmesh.app_versions ON DELETE CASCADE
);

CREATE TABLE hotmesh.graph_hooks (
    app_id       text NOT NULL,
    version      text NOT NULL,
    topic        text NOT NULL,              -- the public signal topic
    ordinal      integer NOT NULL,
    activity_id  text NOT NULL,              -- the hook activity that waits
    expected_sql text NOT NULL,              -- over the waiting job's context
    actual_sql   text NOT NULL,              -- over the signal: {"$hook": {"data": …}}
    PRIMARY KEY (app_id, version, topic, ordinal),
    FOREIGN KEY (app_id, version) REFERENCES hotmesh.app_versions ON DELETE CASCADE
);
