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
