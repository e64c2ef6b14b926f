-- V0004: consumers waiting for work on a channel.
--
-- NOTIFY serialises every committing transaction that sends one (a global lock held through
-- the commit), so publishers only notify a channel that some consumer waits on. A consumer
-- registers here when it runs out of work and leaves when it is fully busy. Unlogged: after a
-- crash the rows are gone and consumers register again.
CREATE UNLOGGED TABLE hotmesh.stream_listeners (
    channel     text NOT NULL,
    consumer    text NOT NULL,
    backend_pid integer NOT NULL,     -- the session that LISTENs (a dead one is cleaned up)
    since       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel, consumer)
);
