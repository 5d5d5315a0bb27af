"""Where each `analysis_scale.py` question spends its time: wall ms per phase (cohort
evaluation, data access, statistics, gate + result shaping), median of 7 after a warm-up,
calling the analysis functions the service calls one by one.

    flock /tmp/bench.lock python benchmarks/analysis_scale_phases.py [--home /work/bench/store]
"""
import argparse
import statistics as st
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import analysis_scale_queries as Q  # noqa: E402
from onconode.store import Store
from onconode.analysis import service, cohort as C, frequency as F, compare as CMP, survival as S, oncoprint as O, summary
from onconode.analysis.stats import fisher_exact_many, benjamini_hochberg
from onconode.analysis.survival_data import endpoint_data
ap = argparse.ArgumentParser(); ap.add_argument("--home", type=Path, default=Path("/work/bench/store"))
store = Store.open(ap.parse_args().home, read_only=True); snap = store.snapshot()
patients = {r[0] for r in store.con.execute("SELECT patient_id FROM patient").fetchall()}
genes = sorted(r[0] for r in store.con.execute(f"SELECT DISTINCT upper(gene) FROM ({store.relation_sql('driver', snap.version)}) WHERE gene IS NOT NULL").fetchall())
gate = Q.exact_gate(patients)
for q in Q.onconode_questions(gate, snap, genes).values(): q()
def t(f, n=7):
    ts=[]
    for _ in range(n):
        a=time.perf_counter(); r=f(); ts.append((time.perf_counter()-a)*1000)
    return round(st.median(ts),2), r
res={}
ms, crc = t(lambda: C.evaluate(snap, Q.CRC)); res["frequency"]={"cohort": ms}
ms, fr = t(lambda: F.alteration_frequency(snap, crc)); res["frequency"]["counting+rows"]=ms
members = F._members({"cohort": crc})
from onconode.analysis.materialized import execute_with_members
ms,_ = t(lambda: execute_with_members(snap, "phases-altered", lambda m: F._altered(snap, m, F.FREQUENCY_KINDS, None, 0.5, F.DEFAULT_SCOPE), members))
res["frequency"]["  of which the counting query"]=ms
ms,_ = t(lambda: gate.release(Q.USER, snap, fr, {"cohort": crc.patient_ids})); res["frequency"]["gate+exact() shaping"]=ms
ms,_ = t(lambda: C.evaluate(snap, Q.COUNT_DEFINITION)); res["count"]={"cohort": ms}
from onconode.analysis.materialized import withdrawals
ms,_ = t(lambda: withdrawals(snap)); res["count"]["  of which withdrawal-count query"]=ms
cc = C.evaluate(snap, Q.COUNT_DEFINITION)
from onconode.analysis.disclosure import Count
ms,_ = t(lambda: gate.release(Q.USER, snap, Count("cohort", cc.patient_ids, cc.sample_ids), {"cohort": cc.patient_ids})); res["count"]["gate"]=ms
ms, g = t(lambda: service._groups(snap, Q.KRAS_GROUPS, True)); res["compare"]={"cohorts (KRAS, rest)": ms}
ms, fq = t(lambda: F.alteration_frequencies(snap, g, genes, ("ANY",))); res["compare"]["frequencies"]=ms
tables = [[[a, p - a] for a, p in zip(r["altered"], r["profiled"])] for r in CMP.compare(snap, g, genes).alterations]
ms,_ = t(lambda: benjamini_hochberg(fisher_exact_many(tables))); res["compare"]["fisher (every gene) + BH"]=ms
ms, attrs = t(lambda: {n: summary.sample_attributes(snap, c) for n, c in g.items()}); res["compare"]["sample attributes"]=ms
ms, cmpres = t(lambda: CMP.compare(snap, g, genes)); res["compare"]["compare() total"]=ms
ms,_ = t(lambda: gate.release(Q.USER, snap, cmpres, {n: c.patient_ids for n, c in g.items()})); res["compare"]["gate+exact()"]=ms
ms,_ = t(lambda: [endpoint_data(snap, c, "os", None, True) for c in g.values()]); res["survival"]={"cohorts": res["compare"]["cohorts (KRAS, rest)"], "endpoint data (dates)": ms}
ms,_ = t(lambda: [summary.sample_attributes(snap, c) for c in g.values()]); res["survival"]["covariates (attributes)"]=ms
ms, sr = t(lambda: S.survival_analysis(snap, g, "os", None, True, Q.COX_COVARIATES)); res["survival"]["survival_analysis() (data; starts the Cox fit)"]=ms
d = sr.cox_data
ms,_ = t(lambda: S.cox(d, ["group[rest]"] + Q.COX_COVARIATES, True)); res["survival"]["Cox fit + PH test (own thread, overlaps)"]=ms
ms, table = t(lambda: sr._table(sr.times)); res["survival"]["risk table (every group, every death time)"]=ms
ms,_ = t(lambda: sr._curves(sr.times, table)); res["survival"]["KM curves + steps"]=ms
ms,_ = t(lambda: sr._test(table)); res["survival"]["log-rank"]=ms
ms,_ = t(lambda: gate.release(Q.USER, snap, sr, sr.analysed)); res["survival"]["gate+exact() (KM, log-rank, shaping)"]=ms
ms,_ = t(lambda: C.evaluate(snap, Q.CRC)); res["oncoprint"]={"cohort": ms}
ms, op = t(lambda: O.oncoprint(snap, crc, Q.ONCOPRINT_GENES)); res["oncoprint"]["events + order"]=ms
ms,_ = t(lambda: gate.release(Q.USER, snap, op, {"cohort": crc.patient_ids})); res["oncoprint"]["gate+exact() shaping"]=ms
ms,_ = t(lambda: frozenset(patients) <= frozenset(patients)); res["gate"]={"licence subset check of 5,000 patients": ms}
for q, ph in res.items():
    print(q); [print(f"   {k:45s} {v:8.2f} ms") for k, v in ph.items()]
