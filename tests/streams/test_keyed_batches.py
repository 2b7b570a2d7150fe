"""KPI records are partitioned exactly as Kafka's default partitioner places a key."""

from __future__ import annotations

from typing import Any

from aiokafka.partitioner import DefaultPartitioner

from streams.keyed_batches import KeyedBatches


def test_partition_of_a_key_is_the_default_partitioners() -> None:
    batches = KeyedBatches(producer=None)  # type: ignore[arg-type]
    default: Any = DefaultPartitioner()
    for count in (1, 3, 4, 12):
        partitions = list(range(count))
        for n in range(200):
            key = f"revenue|rep|rep-{n}|30d".encode()
            assert batches._partition(key, count) == default(key, partitions, partitions)


def test_records_without_a_key_are_spread_over_partitions() -> None:
    batches = KeyedBatches(producer=None)  # type: ignore[arg-type]
    assert {batches._partition(None, 4) for _ in range(8)} == {0, 1, 2, 3}
