-- The job queue shared by the servers of a cluster (demucs-cluster's PostgresJobQueue).

-- One row per job. `record` is the job's record as JSON, the same shape as a single server's
-- job.json; the other columns are what the queue's queries need.
CREATE TABLE demucs_job (
    id          text        PRIMARY KEY,
    seq         bigserial   NOT NULL,              -- queue order: a job keeps its place when it is queued again
    status      text        NOT NULL,              -- pending, running, completed, failed
    created_at  timestamptz NOT NULL,
    record      text        NOT NULL,
    attempt     integer     NOT NULL DEFAULT 0,    -- the record's attempts: a lease is (lease_owner, attempt)
    lease_owner text,                              -- node id of the worker running it
    lease_until timestamptz,                       -- past this, the job is taken over by another node
    deleted     boolean     NOT NULL DEFAULT false, -- deleted while running: its worker removes the files, then the row
    progress    text,                              -- a running job's latest progress.txt, for the other nodes
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX demucs_job_pending ON demucs_job (seq) WHERE status = 'pending' AND NOT deleted;
CREATE INDEX demucs_job_leases ON demucs_job (lease_until) WHERE status = 'running';
CREATE INDEX demucs_job_created ON demucs_job (created_at DESC, id);

-- The servers of the cluster, for GET /status.
CREATE TABLE demucs_node (
    id             text        PRIMARY KEY,
    address        text,
    workers        integer     NOT NULL,
    started_at     timestamptz NOT NULL DEFAULT now(),
    last_heartbeat timestamptz NOT NULL DEFAULT now()
);
