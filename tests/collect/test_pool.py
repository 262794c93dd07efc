"""The pool's bounds, exercised directly (a narrow unit test: real threads, no cloud)."""

from __future__ import annotations

import threading
import time

from scanner.collect.pool import Pool


def busiest(pool: Pool, requests: list[tuple[str, str]]) -> dict[str, int]:
    """Run each (scope, service) request on its own thread, each holding its slot for a
    moment; the most requests seen in flight at once, overall and per scope/service."""
    lock = threading.Lock()
    now: dict[str, int] = {}
    peak: dict[str, int] = {}

    def bump(key: str, step: int) -> None:
        with lock:
            now[key] = now.get(key, 0) + step
            peak[key] = max(peak.get(key, 0), now[key])

    def send(request: tuple[str, str]) -> None:
        scope, service = request
        pool.request_started(scope, service)
        bump("all", 1)
        bump(f"{scope}/{service}", 1)
        time.sleep(0.02)
        bump(f"{scope}/{service}", -1)
        bump("all", -1)
        pool.request_finished()

    threads = [threading.Thread(target=send, args=(r,)) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return peak


def test_no_more_requests_in_flight_than_workers_whatever_the_threads() -> None:
    with Pool(max_workers=4, service_limits={}) as pool:
        peak = busiest(pool, [("111111111111", "s3")] * 40)
    assert peak["all"] == 4


def test_a_low_rate_service_gets_its_own_smaller_bound_per_account() -> None:
    with Pool(max_workers=12, service_limits={"iam": 3}) as pool:
        peak = busiest(pool, [("111111111111", "iam")] * 20 + [("222222222222", "iam")] * 20
                       + [("111111111111", "ec2")] * 20)
    assert peak["111111111111/iam"] == 3 and peak["222222222222/iam"] == 3
    assert peak["all"] == 12  # the other account's IAM and EC2 reads filled the rest


def test_a_slot_an_aborted_send_kept_is_given_back_at_the_threads_next_request() -> None:
    with Pool(max_workers=1, service_limits={}) as pool:
        pool.request_started("a", "s3")  # the SDK raised before its "attempt finished" hook ran
        done = threading.Event()

        def again() -> None:
            pool.request_started("a", "s3")
            pool.request_finished()
            done.set()

        again()  # same thread: must not wait for the slot it holds itself
        assert done.is_set()


def test_tasks_of_runs_going_on_at_once_interleave_and_a_limited_service_keeps_to_its_lanes() -> None:
    """Two collectors' batches, submitted one after the other: the second's tasks start
    long before the first's are done, and the IAM batch never has more tasks running
    than IAM's limit (so no worker sits waiting for an IAM slot)."""
    order: list[str] = []
    running = {"iam": 0}
    peak = {"iam": 0}
    lock = threading.Lock()

    def work(kind: str) -> None:
        with lock:
            order.append(kind)
            if kind == "iam":
                running["iam"] += 1
                peak["iam"] = max(peak["iam"], running["iam"])
        time.sleep(0.005)
        if kind == "iam":
            with lock:
                running["iam"] -= 1

    with Pool(max_workers=6, service_limits={"iam": 2}) as pool:
        first = threading.Thread(target=pool.run, args=(work, ["s3"] * 60))
        first.start()
        time.sleep(0.01)  # the S3 batch is under way when the IAM batch arrives
        pool.run(work, ["iam"] * 20, service="iam")
        first.join()
    assert peak["iam"] == 2
    assert order.index("iam") < order.index("s3") + 30  # IAM did not wait behind all 60 S3 tasks
