"""The parts of ``benchmarks.stores`` that run in a spawned process of their own.

Each phase imports only its candidate's module, so the memory it reports (VmRSS, VmHWM from
/proc/self/status) is that candidate's. A phase writes its result as JSON to a file; the parent
reads it after the process ends (or reports a crash / timeout when there is none).
"""

from __future__ import annotations

import json
import os
import pickle
import statistics
import sys
import time
import traceback
from importlib import metadata
from pathlib import Path

from benchmarks.store_candidates import Unavailable, fsync_tree, load_candidate
from benchmarks.synthetic_corpus import CHUNKS_PER_DOCUMENT, document_id, make_document, vocabulary

TOP_K = 10


def memory_mib(field: str) -> float:
    """VmRSS / VmHWM of this process in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def run_phase(phase: str, kwargs: dict, result_path: str) -> None:
    """Entry point of every spawned process."""
    started = time.perf_counter()
    try:
        result = PHASES[phase](**kwargs)
        result["status"] = "ok"
    except Unavailable as error:
        result = {"status": "skipped", "reason": str(error)}
    except Exception:  # reported, not raised: the parent goes on with the next candidate
        result = {"status": "error", "error": traceback.format_exc()[-4000:]}
    result["phase_s"] = round(time.perf_counter() - started, 3)
    result["peak_rss_mib"] = memory_mib("VmHWM")
    partial = Path(result_path + ".partial")
    partial.write_text(json.dumps(result, indent=1, default=str))
    os.replace(partial, result_path)


def describe(store) -> dict:
    return {
        "packages": list(store.packages),
        "exact": store.exact,
        "has_bm25": store.has_bm25,
        "query_limit": store.query_limit,
        "notes": list(store.notes),
    }


def build_phase(name: str, folder: str, corpus_path: str) -> dict:
    store = load_candidate(name, Path(folder))
    with open(corpus_path, "rb") as handle:
        chunks = pickle.load(handle)
    rss_with_corpus = memory_mib("VmRSS")
    started = time.perf_counter()
    details = store.build(chunks)
    store.close()
    fsync_tree(Path(folder))
    return {
        "build_s": round(time.perf_counter() - started, 3),
        "build_details": details or {},
        "rss_with_corpus_mib": rss_with_corpus,
        **describe(store),
    }


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "p50_ms": round(statistics.median(ordered), 3),
        "p95_ms": round(p95, 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
        "n": len(ordered),
    }


def run_queries(store, queries: list, plan: dict) -> dict:
    """Latency of every mode (unfiltered / filtered), recall@10 of dense, target hits, scopes."""
    modes = ["dense"] + (["bm25", "hybrid"] if store.has_bm25 else [])
    latency, quality = {}, {}
    for mode in modes:
        for filtered in (False, True):
            key = mode + ("_filtered" if filtered else "")
            times, found = [], []
            for query in queries:
                scope = query.scope if filtered else None
                started = time.perf_counter()
                if mode == "dense":
                    ids = store.dense(query.vector, TOP_K, scope)
                elif mode == "bm25":
                    ids = store.bm25(query.text, TOP_K, scope)
                else:
                    ids = store.hybrid(query.vector, query.text, TOP_K, scope)
                times.append((time.perf_counter() - started) * 1000)
                found.append(ids)
            latency[key] = percentiles(times)
            stats = {
                "target_hit_rate": round(
                    statistics.fmean(q.target_id in ids for q, ids in zip(queries, found)), 3
                ),
                "short_results": sum(len(ids) < TOP_K for ids in found),
            }
            if filtered:
                outside = sum(
                    ids_i.split("-")[0] not in q.scope
                    for q, ids in zip(queries, found)
                    for ids_i in ids
                )
                stats["results_outside_scope"] = outside
            if mode == "dense":
                truth = plan["truth_filtered" if filtered else "truth"]
                stats["recall_at_10"] = round(
                    statistics.fmean(
                        len(set(ids) & set(truth[i])) / TOP_K for i, ids in enumerate(found)
                    ),
                    4,
                )
            quality[key] = stats
    return {"latency": latency, "quality": quality}


def rare_words(text: str, seed: int, count: int = 4) -> str:
    """The ``count`` least frequent words of ``text`` (highest vocabulary rank)."""
    rank = {word: i for i, word in enumerate(vocabulary(seed))}
    words = sorted(set(text.split()), key=lambda w: -rank.get(w, 0))
    return " ".join(words[:count])


def query_phase(name: str, folder: str, plan_path: str, queries: int, query_limit: int | None):
    store = load_candidate(name, Path(folder))
    with open(plan_path, "rb") as handle:
        plan = pickle.load(handle)
    seed = plan["seed"]
    result = {"rss_before_open_mib": memory_mib("VmRSS")}
    started = time.perf_counter()
    store.open()
    store.count()  # ready to answer: stores that load lazily load here
    result["open_s"] = round(time.perf_counter() - started, 3)
    result["rss_open_mib"] = memory_mib("VmRSS")
    limit = min(queries, query_limit or store.query_limit or queries)
    chosen = plan["queries"][:limit]
    started = time.perf_counter()
    store.dense(chosen[0].vector, TOP_K, None)
    result["first_dense_query_ms"] = round((time.perf_counter() - started) * 1000, 3)
    result.update(run_queries(store, chosen, plan))
    result["rss_after_queries_mib"] = memory_mib("VmRSS")
    result["updates"] = run_updates(store, Path(folder), plan, seed)
    result["loaded_distributions"] = loaded_distributions()
    store.close()
    return result


def run_updates(store, folder: Path, plan: dict, seed: int) -> dict:
    """Add one document, delete another, time each until fsynced; check what queries see."""
    updates: dict = {"count_before": store.count()}
    added = make_document(plan["add_number"], seed)
    new_id = document_id(plan["add_number"])
    started = time.perf_counter()
    store.add_document(added)
    fsync_tree(folder)
    updates["add_s"] = round(time.perf_counter() - started, 4)
    updates["added_chunks_counted"] = store.count(new_id)
    updates["added_found_dense"] = added.ids[0] in store.dense(added.vectors[0], TOP_K, None)
    if store.has_bm25:
        probe = rare_words(added.texts[0], seed)
        updates["added_found_bm25"] = any(
            i.startswith(new_id + "-") for i in store.bm25(probe, TOP_K, None)
        )
        updates["added_bm25_probe"] = probe
    victim = plan["delete_id"]
    started = time.perf_counter()
    store.delete_document(victim)
    fsync_tree(folder)
    updates["delete_s"] = round(time.perf_counter() - started, 4)
    updates["deleted_chunks_counted"] = store.count(victim)
    updates["deleted_found_dense"] = len(store.dense(plan["delete_probe"], TOP_K, [victim]))
    updates["count_after"] = store.count()
    maintain = getattr(store, "maintain", None)
    if maintain is not None:
        started = time.perf_counter()
        maintain()
        fsync_tree(folder)
        updates["maintain_s"] = round(time.perf_counter() - started, 4)
        updates["count_after_maintain"] = store.count()
    return updates


def loaded_distributions() -> list[str]:
    """Distributions of the modules loaded from outside the interpreter's own environment."""
    prefixes = tuple({sys.prefix, sys.base_prefix})
    owners = metadata.packages_distributions()
    found = set()
    for module_name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if "." in module_name or not path or path.startswith(prefixes):
            continue
        found.update(owners.get(module_name, []))
    return sorted(found)


def writer_phase(name: str, folder: str, progress_path: str, first_number: int, seed: int) -> dict:
    """Open the store and write one document per call until killed (log line after each)."""
    store = load_candidate(name, Path(folder))
    store.open()
    with open(progress_path, "a", buffering=1) as log:
        log.write(f"ready {store.count()} {time.time()}\n")
        for number in range(first_number, first_number + 1_000):
            chunks = make_document(number, seed)
            log.write(f"start {document_id(number)} {time.time()}\n")
            store.add_document(chunks)
            log.write(f"done {document_id(number)} {time.time()}\n")
    store.close()
    return {"finished_without_kill": True}


def verify_phase(name: str, folder: str, kill: dict, plan_path: str) -> dict:
    """Reopen after SIGKILL: does it open, are returned writes whole, do queries and writes work."""
    store = load_candidate(name, Path(folder))
    with open(plan_path, "rb") as handle:
        plan = pickle.load(handle)
    result: dict = {}
    try:
        started = time.perf_counter()
        store.open()
        result["open_s"] = round(time.perf_counter() - started, 3)
        result["opens"] = True
    except Exception as error:
        return {"opens": False, "open_error": repr(error)[:2000]}
    done_counts = {doc: store.count(doc) for doc in kill["done"]}
    result["done_documents"] = len(done_counts)
    result["done_whole"] = all(n == CHUNKS_PER_DOCUMENT for n in done_counts.values())
    result["done_not_whole"] = {d: n for d, n in done_counts.items() if n != CHUNKS_PER_DOCUMENT}
    if kill.get("in_flight"):
        result["in_flight_chunks"] = store.count(kill["in_flight"])
    total = store.count()
    expected = kill["base_count"] + CHUNKS_PER_DOCUMENT * len(done_counts)
    result["count"] = total
    result["count_expected"] = expected
    result["count_consistent"] = total in (expected, expected + result.get("in_flight_chunks", 0))
    result["integrity"] = store.integrity()
    query = plan["queries"][0]
    try:
        result["query_works"] = len(store.dense(query.vector, TOP_K, None)) == TOP_K
        if store.has_bm25:
            result["query_works"] &= len(store.bm25(query.text, TOP_K, None)) > 0
    except Exception as error:
        result["query_works"] = False
        result["query_error"] = repr(error)[:2000]
    try:
        number = plan["verify_number"]
        store.add_document(make_document(number, plan["seed"]))
        result["writable"] = store.count(document_id(number)) == CHUNKS_PER_DOCUMENT
    except Exception as error:
        result["writable"] = False
        result["write_error"] = repr(error)[:2000]
    store.close()
    return result


PHASES = {
    "build": build_phase,
    "query": query_phase,
    "writer": writer_phase,
    "verify": verify_phase,
}
