"""The warehouse build on a Dask cluster: ``dagster job execute -m pipeline.distributed -j build_warehouse``.

The same assets, checks and resources as :mod:`pipeline.definitions`, with one difference: the
``build_warehouse`` job runs each step as a task on a Dask worker (``dagster-dask``). Without executor
config, Dagster starts a local Dask cluster (one worker process per core); to use a running cluster::

    execution:
      config:
        cluster:
          existing:
            address: tcp://scheduler:8786   # or {env: DASK_SCHEDULER_ADDRESS}

Steps run in other processes, possibly on other hosts, so outputs between steps go through a filesystem
IO manager: by default under the Dagster instance's storage (``$DAGSTER_HOME/storage``), or under
``resources.io_manager.config.base_dir``. That folder, raw/, the warehouse and ``DAGSTER_HOME`` must be
on storage every worker sees at the same path (docs/distributed.md). The default job in
:mod:`pipeline.definitions` is left as it is: its executor is chosen there, for UI and scheduled runs.
"""

from collections.abc import Iterator

import dagster as dg
import dask
from dagster._core.execution.context.system import PlanOrchestrationContext
from dagster._core.execution.plan.plan import ExecutionPlan
from dagster_dask import dask_executor as dagster_dask_executor
from dagster_dask.executor import DaskExecutor

from pipeline import definitions
from pipeline.automation import build_warehouse_job

WORKER_DAEMON = "distributed.worker.daemon"
"""Dask's setting that makes worker processes daemonic, which forbids them child processes; on a
cluster, start workers with ``DASK_DISTRIBUTED__WORKER__DAEMON=False`` (docs/distributed.md)."""


class _PoolSafeDaskExecutor(DaskExecutor):
    """dagster-dask 0.29.27's executor, working with pools.

    It passes the run record to ``Client.submit``, whose task parsing (dask 2025+) walks into every tuple;
    a run with a pooled step (``duckdb_warehouse`` is in the ``duckdb_writer`` pool) carries a
    ``RunOpConcurrency`` record that refuses iteration, and the run fails before any step starts. That field
    only counts pool slots for queued runs (the stored run keeps it); the step workers never read it.
    """

    def execute(self, plan_context: PlanOrchestrationContext, execution_plan: ExecutionPlan) -> Iterator:
        run = plan_context.dagster_run
        if run.run_op_concurrency is not None:
            plan_context = PlanOrchestrationContext(
                plan_data=plan_context.plan_data._replace(dagster_run=run._replace(run_op_concurrency=None)),
                log_manager=plan_context.log,
                executor=plan_context.executor,
                output_capture=plan_context.output_capture,
                resume_from_failure=plan_context.resume_from_failure,
            )
        # a local cluster's workers must be allowed children: the parse step runs each document in a
        # process of its own (bounded time and memory); workers of an existing cluster are started so
        with dask.config.set({WORKER_DAEMON: False}):
            yield from super().execute(plan_context, execution_plan)


@dg.executor(
    name="dask",
    requirements=dg.multiple_process_executor_requirements(),
    config_schema=dagster_dask_executor.config_schema,
)
def dask_executor(init_context: dg.InitExecutorContext) -> dg.Executor:
    """Dagster's Dask executor (same config: ``cluster: {local: {...}}`` or ``{existing: {address: ...}}``)."""
    ((cluster_type, cluster_configuration),) = init_context.executor_config["cluster"].items()
    return _PoolSafeDaskExecutor(cluster_type, cluster_configuration)


job = build_warehouse_job
dask_build_job = dg.define_asset_job(
    job.name,
    selection=job.selection,
    config=job.config,
    description=job.description,
    tags=job.tags,
    run_tags=job.run_tags,
    metadata=job.metadata,
    partitions_def=job.partitions_def,
    hooks=job.hooks,
    op_retry_policy=job.op_retry_policy,
    owners=job.owners,
    executor_def=dask_executor,
)
"""``build_warehouse`` as :mod:`pipeline.automation` defines it, every attribute but the executor kept."""

# the module, not its ``defs``: Dagster's CLI loads the one Definitions object found at module scope
defs = dg.Definitions(
    assets=definitions.defs.assets,
    asset_checks=definitions.defs.asset_checks,
    jobs=[dask_build_job],
    resources={**(definitions.defs.resources or {}), "io_manager": definitions.HandoffIOManager()},
)


def resolved_build_job() -> dg.JobDefinition:
    """The Dask build job with its resources, as :func:`dagster.reconstructable` needs it in each worker."""
    return defs.resolve_job_def("build_warehouse")
