"""Compares an Autobahn|Testsuite report with the expected results: every case's behavior
and behaviorClose must match. Prints the summary; exits 1 on any difference.

    python3 autobahn_compare.py reports/index.json expected.json
    python3 autobahn_compare.py reports/index.json expected.json --write   # record anew
"""
import json
import sys
from collections import Counter


def case_key(case):
    return [int(part) for part in case.split(".")]


def main():
    report_path, expected_path = sys.argv[1], sys.argv[2]
    report = json.load(open(report_path))
    (agent, cases), = report.items()
    got = {case: {"behavior": r["behavior"], "behaviorClose": r["behaviorClose"]}
           for case, r in cases.items()}
    summary = Counter(r["behavior"] for r in got.values())
    print("autobahn (%s): %d cases: %s" % (
        agent, len(got), ", ".join("%s %d" % kv for kv in sorted(summary.items()))))
    if "--write" in sys.argv:
        ordered = {case: got[case] for case in sorted(got, key=case_key)}
        json.dump(ordered, open(expected_path, "w"), indent=1, sort_keys=False)
        print("wrote", expected_path)
        return 0
    expected = json.load(open(expected_path))
    differences = []
    for case in sorted(set(got) | set(expected), key=case_key):
        if got.get(case) != expected.get(case):
            differences.append("  %s: expected %s, got %s" % (case, expected.get(case), got.get(case)))
    if differences:
        print("autobahn results differ from %s:" % expected_path)
        print("\n".join(differences))
        return 1
    print("autobahn results match %s" % expected_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
