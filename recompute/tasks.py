"""Thin Celery tasks around recompute.services: one shard per task, so every worker takes shards
as it frees up (prefetch 1, acks late: a worker killed mid-shard has its shard delivered again)."""

from celery import shared_task

from recompute import services


@shared_task(name="recompute.run_shard", acks_late=True)
def run_shard(shard_id: int) -> dict:
    return services.shard_execute(shard_id)


@shared_task(name="recompute.requeue_stale_shards")
def requeue_stale_shards() -> int:
    """Beat: queue again the shards whose message was lost or whose worker died."""
    return services.requeue_stale()
