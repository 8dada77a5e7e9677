"""Exchange bench. Issue 6's targets: ≥ 50 documents/s through the hub with 1 MB attachments, and the
arrival status (01) back at the sender ≤ 2 s after the issue.

  codec    one edXML package with a 1 MB attachment: build + sign (sender), verify + parse (receiver), and
           what that allows per core;
  network  three installations on loopback (exchange/testing/network.py: hub, province, commune, uvicorn
           processes with their own SQLite databases, or PostgreSQL with --postgres URL):
           throughput — N packages with a 1 MB attachment, signed by the province beforehand, POSTed to the
           hub by 16 threads; from the first POST until the commune has stored all N (its health
           endpoint), the hub verifying, storing and relaying each, the commune verifying, storing and
           answering 01 through the hub;
           the CPU each installation spent per package over that time (its process's user + system
           time): on a shared machine a steadier figure than the rates; the hub's includes relaying the
           01 back, so 1000 / it is what one core of the hub handles per second, both ways;
           hub alone — the commune paused (SIGSTOP), N more packages POSTed to the hub: its acceptance
           rate and CPU with only the hub receiving (verify, store, relay queued; its sends wait on their
           sockets); then the commune resumed and the relay timed from the first of them stored there
           to the last (the commune's stored/s, with the hub sending and the 01s coming back through it);
           through the hub — N packages for an organisation the hub routes to a stand-in receiver
           (exchange/testing/sink.py: reads each whole and answers a receipt, nothing more — the
           installations a hub relays to are on other machines): from the first POST until the receiver
           holds all N, the hub taking in and relaying at once (``--stage through``: this alone);
           latency — documents issued at the province one after another (a process that numbers, makes
           the issued PDF and queues the package), the time from each issuance's commit to its 01 stored
           back at the province.

    .venv/bin/python bench/exchange.py [--stage codec|network|through|both] [--runs 30] [--size-mb 1]
                                       [--packages 200] [--issues 20] [--postgres URL] [--no-hub-alone]
                                       [--no-through] [--hub-workers 1] [--commune-workers 1] [--tls]

``--tls``: every installation (and the stand-in receiver) served over HTTPS requiring client certificates
of one network CA, each sending with its own — as production runs (plain HTTP is allowed only in
development and tests); without it, plain HTTP on loopback.

Prints the figures with the load average and writes bench/results-exchange.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--size-mb", type=float, default=1.0)
    parser.add_argument("--stage", choices=["codec", "network", "through", "both"], default="both")
    parser.add_argument("--packages", type=int, default=200)
    parser.add_argument("--issues", type=int, default=20)
    parser.add_argument(
        "--issue-every",
        type=float,
        default=1.0,
        help="the paced latency run: seconds between issues (0: only the back-to-back burst)",
    )
    parser.add_argument("--postgres", default="")
    parser.add_argument("--no-hub-alone", action="store_true", help="skip the hub-alone stage")
    parser.add_argument("--no-through", action="store_true", help="skip the through-the-hub stage")
    parser.add_argument("--hub-workers", type=int, default=1, help="the hub's uvicorn worker processes")
    parser.add_argument(
        "--commune-workers", type=int, default=1, help="the commune's (the receiver the hub relays to)"
    )
    parser.add_argument(
        "--tls", action="store_true", help="every installation over HTTPS with mutual TLS (as in production)"
    )
    args = parser.parse_args()
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    results: dict[str, object] = {}
    if args.stage in ("codec", "both"):
        results["codec"] = _codec(args)
    if args.stage in ("network", "through", "both"):
        results["network"] = _network(args)
    results["load_average"] = round(os.getloadavg()[0], 2)
    print(f"load average {results['load_average']}")
    (HERE / "results-exchange.json").write_text(json.dumps(results, indent=1) + "\n")
    return 0


def _codec(args: argparse.Namespace) -> dict[str, object]:
    from dataclasses import replace

    from exchange.edxml import build, parse, sign
    from exchange.edxml.model import Attachment
    from exchange.testing.samples import package
    from signing.pki import TestPki

    pki = TestPki.create(root_cn="bench Exchange Root CA")
    sender = pki.issue("Văn phòng Tỉnh ủy", "Tỉnh ủy")
    payload = os.urandom(int(args.size_mb * 1024 * 1024))
    p = replace(package(), attachments=(Attachment("a1", "van-ban.pdf", "application/pdf", payload),))
    times: dict[str, list[float]] = {"build": [], "sign": [], "verify": [], "parse": []}
    size = 0
    for index in range(args.runs + 2):
        t0 = time.perf_counter()
        root = build.package(p)
        t1 = time.perf_counter()
        data = sign.sign(root, sender.key, [sender.cert])
        t2 = time.perf_counter()
        verified = sign.verify(data, [sender.cert])
        t3 = time.perf_counter()
        back = parse.parse_package(verified.root)
        t4 = time.perf_counter()
        assert back.attachments[0].data == payload
        size = len(data)
        if index >= 2:  # warm-up
            for key, value in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                times[key].append(value * 1000)
    med = {key: statistics.median(values) for key, values in times.items()}
    p95 = {key: sorted(values)[int(0.95 * (len(values) - 1))] for key, values in times.items()}
    sender_ms, receiver_ms = med["build"] + med["sign"], med["verify"] + med["parse"]
    result = {
        "attachment_mb": args.size_mb,
        "package_bytes": size,
        "runs": args.runs,
        "median_ms": {k: round(v, 1) for k, v in med.items()},
        "p95_ms": {k: round(v, 1) for k, v in p95.items()},
        "sender_ms": round(sender_ms, 1),
        "receiver_ms": round(receiver_ms, 1),
        "packages_per_s_per_core_sender": round(1000 / sender_ms, 1),
        "packages_per_s_per_core_receiver": round(1000 / receiver_ms, 1),
        "load_average": round(os.getloadavg()[0], 2),
    }
    print(f"package with a {args.size_mb:g} MB attachment: {size / 1e6:.2f} MB of XML")
    for key in times:
        print(f"  {key:7} median {med[key]:6.1f} ms  p95 {p95[key]:6.1f} ms")
    print(f"sender (build + sign) {sender_ms:.1f} ms → {1000 / sender_ms:.0f} packages/s per core")
    print(f"receiver (verify + parse) {receiver_ms:.1f} ms → {1000 / receiver_ms:.0f} packages/s per core")
    return result


def _network(args: argparse.Namespace) -> dict[str, object]:
    import uuid
    from concurrent.futures import ThreadPoolExecutor
    from dataclasses import replace

    from exchange.edxml import build, sign
    from exchange.edxml.model import Attachment, BusinessInfo, Organ, document_id
    from exchange.testing.network import (
        COMMUNE,
        COMMUNE_ID,
        ELSEWHERE_ID,
        ELSEWHERE_NAME,
        HUB,
        PROVINCE,
        PROVINCE_ID,
        Network,
        post_message,
        wait_for,
    )
    from exchange.testing.samples import package

    net = Network(
        database_url=args.postgres,
        hub_workers=args.hub_workers,
        commune_workers=args.commune_workers,
        elsewhere=not args.no_through,
        tls=args.tls,
    )
    started = time.perf_counter()
    net.start()
    print(f"three installations started in {time.perf_counter() - started:.0f} s")
    try:
        key = net.keys[PROVINCE_ID]
        payload = os.urandom(int(args.size_mb * 1024 * 1024))
        sample = package()

        def signed(count: int, first: int, to: Organ | None = None) -> list[bytes]:
            to = to or Organ(COMMUNE_ID, "Đảng ủy xã Hòa Bình")
            bodies = []
            for index in range(first, first + count):
                number = f"{index + 1}-TB/BENCH"
                header = replace(
                    sample.header,
                    sender=Organ(PROVINCE_ID, "Văn phòng Tỉnh ủy Sông Lam"),
                    recipients=(to,),
                    document_id=document_id(PROVINCE_ID, sample.header.promulgation_date, number),
                    response_for=(),
                )
                p = replace(
                    sample,
                    message_id=str(uuid.uuid4()),
                    header=header,
                    attachments=(Attachment("a1", "van-ban.pdf", "application/pdf", payload),),
                    business=BusinessInfo(),  # a new document (the sample is a replacement)
                )
                bodies.append(sign.sign(build.package(p), key.key, [key.cert]))
            return bodies

        acks: list[float] = []
        context = net[PROVINCE].context  # over mutual TLS (--tls): as the province's installation

        busy = [0]

        def post(body: bytes) -> None:
            # as the dispatcher does: a 503 (the hub's verifications are all busy) is sent again
            t = time.perf_counter()
            status, answer = post_message(net[HUB].url, body, context)
            while status == 503:
                busy[0] += 1
                time.sleep(0.05)
                status, answer = post_message(net[HUB].url, body, context)
            assert status == 200, answer
            acks.append(time.perf_counter() - t)

        def cpu() -> dict[str, float]:
            return {name: _cpu_ms(net[name].process) for name in (HUB, COMMUNE, PROVINCE)}

        def post_all(items: list[bytes]) -> float:
            """POST them all to the hub, 16 at a time; the seconds it took."""
            started = time.perf_counter()
            with ThreadPoolExecutor(16) as pool:
                list(pool.map(post, items))
            return time.perf_counter() - started

        def commune_holds(count: int, interval: float) -> None:
            wait_for(
                lambda: net[COMMUNE].health()["inbox_packages"] >= count, timeout=1800, interval=interval
            )

        if args.stage == "through":  # that stage alone, after a warm-up (the hub's processes just started)
            elsewhere = Organ(ELSEWHERE_ID, ELSEWHERE_NAME)
            bodies = signed(args.packages + WARM_UP, 0, elsewhere)
            _through(net, post_all, acks, busy, bodies[:WARM_UP], quiet=True)
            alone = _through(net, post_all, acks, busy, bodies[WARM_UP:])
            return {"hub_workers": args.hub_workers, "through_hub": alone}
        bodies = signed(args.packages, 0)
        before = net[COMMUNE].health()["inbox_packages"]
        cpu0 = cpu()
        t0 = time.perf_counter()
        t_hub = post_all(bodies)
        commune_holds(before + args.packages, 0.2)
        elapsed = time.perf_counter() - t0
        cpu1 = cpu()
        acks.sort()
        throughput = {
            "packages": args.packages,
            "attachment_mb": args.size_mb,
            "package_mb": round(len(bodies[0]) / 1e6, 2),
            "hub_accepted_per_s": round(args.packages / t_hub, 1),
            "stored_at_commune_per_s": round(args.packages / elapsed, 1),
            "hub_ack_p50_ms": round(1000 * acks[len(acks) // 2], 1),
            "hub_ack_p95_ms": round(1000 * acks[int(0.95 * (len(acks) - 1))], 1),
            "hub_busy_503": busy[0],
            "cpu_ms_per_package": {n: round((cpu1[n] - cpu0[n]) / args.packages, 1) for n in cpu0},
            "load_average": round(os.getloadavg()[0], 2),
        }
        print(
            f"throughput: {args.packages} packages of {throughput['package_mb']} MB — hub accepted "
            f"{throughput['hub_accepted_per_s']}/s (ack p50 {throughput['hub_ack_p50_ms']} ms, p95 "
            f"{throughput['hub_ack_p95_ms']} ms), stored at the commune "
            f"{throughput['stored_at_commune_per_s']}/s (target ≥ 50/s)"
        )
        print(
            f"  CPU per package, ms: {throughput['cpu_ms_per_package']} (load {throughput['load_average']})"
        )
        wait_for(lambda: net[HUB].health()["outbox_pending"] == 0, timeout=1800, interval=0.5)
        hub_alone = None
        if not args.no_hub_alone:
            # the hub alone: the commune paused (SIGSTOP), so that the hub's receiving has the cores to
            # itself; the hub's sends to it wait on their sockets (no CPU) rather than fail and retry
            more = signed(args.packages, args.packages)
            before = net[COMMUNE].health()["inbox_packages"]
            commune = net[COMMUNE].process
            assert commune is not None
            os.killpg(commune.pid, signal.SIGSTOP)
            acks.clear()
            busy[0] = 0
            hub0 = _cpu_ms(net[HUB].process)
            t_hub = post_all(more)
            hub_cpu = (_cpu_ms(net[HUB].process) - hub0) / args.packages
            os.killpg(commune.pid, signal.SIGCONT)
            first = wait_for(
                lambda: net[COMMUNE].health()["inbox_packages"] > before and time.perf_counter(),
                timeout=600,
                interval=0.05,
            )
            cpu0 = cpu()
            commune_holds(before + args.packages, 0.05)
            drained = time.perf_counter() - first
            cpu1 = cpu()
            acks.sort()
            hub_alone = {
                "packages": args.packages,
                "hub_accepted_per_s": round(args.packages / t_hub, 1),
                "hub_ack_p50_ms": round(1000 * acks[len(acks) // 2], 1),
                "hub_busy_503": busy[0],
                "hub_cpu_ms_per_package_receiving": round(hub_cpu, 1),
                # the first one stored is not in the count: (N - 1) over the time from it to the last
                "relayed_to_commune_per_s": round((args.packages - 1) / drained, 1),
                "relay_cpu_ms_per_package": {
                    n: round((cpu1[n] - cpu0[n]) / (args.packages - 1), 1) for n in cpu0
                },
                "load_average": round(os.getloadavg()[0], 2),
            }
            print(
                f"hub alone (commune paused): accepted {hub_alone['hub_accepted_per_s']}/s (ack p50 "
                f"{hub_alone['hub_ack_p50_ms']} ms), hub CPU {hub_alone['hub_cpu_ms_per_package_receiving']}"
                f" ms per package received; then relayed to the commune "
                f"{hub_alone['relayed_to_commune_per_s']}/s (CPU per package, ms: "
                f"{hub_alone['relay_cpu_ms_per_package']}; load {hub_alone['load_average']})"
            )
            wait_for(lambda: net[HUB].health()["outbox_pending"] == 0, timeout=1800, interval=0.5)
        through: dict[str, object] | None = None
        if not args.no_through:
            through = _through(
                net,
                post_all,
                acks,
                busy,
                signed(args.packages, 2 * args.packages, Organ(ELSEWHERE_ID, ELSEWHERE_NAME)),
            )
        # latency: documents issued one after another at the province, back to back (a burst: one process
        # issuing as fast as the machine goes) and then at a clerk's pace (one every --issue-every s)
        latency = _latency(net, args.issues, 0.0)
        paced = _latency(net, args.issues, args.issue_every) if args.issue_every else None
        return {
            "hub_workers": args.hub_workers,
            "commune_workers": args.commune_workers,
            "throughput": throughput,
            **({"hub_alone": hub_alone} if hub_alone is not None else {}),
            **({"through_hub": through} if through is not None else {}),
            "latency": latency,
            **({"latency_paced": paced} if paced is not None else {}),
            "database": "postgresql" if args.postgres else "sqlite",
            "tls": args.tls,
        }
    finally:
        net.stop()


# packages sent through the hub before ``--stage through`` measures: its processes' first messages open
# their threads' database connections, read the directory, load what a message needs
WARM_UP = 48


def _through(
    net: Any, post_all: Any, acks: list[float], busy: list[int], bodies: list[bytes], quiet: bool = False
) -> dict[str, object]:
    """Through the hub, in and out at once, with the receivers elsewhere: N packages POSTed to the hub
    for an organisation it routes to a stand-in receiver (exchange/testing/sink.py: reads each package
    whole and answers a receipt, nothing more — the installations on other machines, whose own cost the
    other stages measure); from the first POST until the receiver holds all N."""
    from exchange.testing.network import HUB, wait_for

    before = net.sink_count()["distinct"]
    acks.clear()
    busy[0] = 0
    cpu0 = {"hub": _cpu_ms(net[HUB].process), "receiver": _cpu_ms(net.sink), "load": _self_cpu_ms()}
    t0 = time.perf_counter()
    t_in = post_all(bodies)
    wait_for(lambda: net.sink_count()["distinct"] >= before + len(bodies), timeout=1800, interval=0.05)
    elapsed = time.perf_counter() - t0
    cpu1 = {"hub": _cpu_ms(net[HUB].process), "receiver": _cpu_ms(net.sink), "load": _self_cpu_ms()}
    count = net.sink_count()
    acks.sort()
    through = {
        "packages": len(bodies),
        "hub_accepted_per_s": round(len(bodies) / t_in, 1),
        "hub_ack_p50_ms": round(1000 * acks[len(acks) // 2], 1),
        "hub_busy_503": busy[0],
        "delivered_per_s": round(len(bodies) / elapsed, 1),
        "delivered_twice": count["messages"] - count["distinct"],
        "cpu_ms_per_package": {k: round((cpu1[k] - cpu0[k]) / len(bodies), 1) for k in cpu0},
        "load_average": round(os.getloadavg()[0], 2),
    }
    wait_for(lambda: net[HUB].health()["outbox_pending"] == 0, timeout=1800, interval=0.5)
    if quiet:
        return through
    print(
        f"through the hub, receivers elsewhere (a stand-in receiver): {len(bodies)} packages accepted "
        f"{through['hub_accepted_per_s']}/s (ack p50 {through['hub_ack_p50_ms']} ms) and delivered "
        f"{through['delivered_per_s']}/s in and out at once (target ≥ 50/s); CPU per package, ms: "
        f"{through['cpu_ms_per_package']} (load {through['load_average']})"
    )
    return through


def _latency(net: Any, count: int, every: float) -> dict[str, object]:
    """Seconds from each issuance at the province (its outbox row) to the commune's 01 stored back there,
    for ``count`` more documents issued one every ``every`` seconds (0: back to back)."""
    from exchange.testing.network import COMMUNE_ID, PROVINCE, wait_for

    before = len(net[PROVINCE].manage("exchange_testnode", "latency"))
    net[PROVINCE].manage(
        "exchange_testnode",
        "issue",
        "--to",
        COMMUNE_ID,
        "--count",
        str(count),
        "--every",
        str(every),
        timeout=1800,
    )
    wait_for(
        lambda: len(net[PROVINCE].manage("exchange_testnode", "latency")) >= before + count,
        timeout=600,
        interval=1,
    )
    # the rows in order of issue: the newest ``count`` are this run's
    seconds = sorted(net[PROVINCE].manage("exchange_testnode", "latency")[before:])
    latency = {
        "issues": len(seconds),
        "every_s": every,
        "p50_s": round(seconds[len(seconds) // 2], 2),
        "p95_s": round(seconds[int(0.95 * (len(seconds) - 1))], 2),
        "max_s": round(seconds[-1], 2),
    }
    how = f"one every {every:g} s" if every else "back to back"
    print(
        f"issue → 01 back at the province ({how}): p50 {latency['p50_s']} s, p95 {latency['p95_s']} s, "
        f"max {latency['max_s']} s over {latency['issues']} documents (target ≤ 2 s)"
    )
    return latency


def _self_cpu_ms() -> float:
    """This process's CPU (the load generator's posting threads), in ms."""
    usage = os.times()
    return (usage.user + usage.system) * 1000


def _cpu_ms(process: object) -> float:
    """User + system CPU time of a process (all its threads) and of its live children (uvicorn's
    worker processes with --workers), in ms."""
    pid = getattr(process, "pid", None)
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # itself, or its parent is it
            total += int(fields[11]) + int(fields[12])
    return total * 1000 / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    raise SystemExit(main())
