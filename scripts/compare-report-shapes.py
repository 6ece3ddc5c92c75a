#!/usr/bin/env python3
"""Check that the format-2 reports of an audit say everything the format-1 reports said.

Usage (Python 3.8+, standard library only; BEFORE written by iamc before `report-size`, AFTER by
iamc after it, both from the same GAAD file and settings):

    python3 scripts/compare-report-shapes.py BEFORE_DIR AFTER_DIR

Rebuilds every row of the old one-row-per-cell `coverage.csv` from `coverage.csv`,
`coverage-cells.csv` and `coverage-actions.csv` (cells not listed in `coverage-cells.csv` take
the documented defaults), every group's cells and pass-role list of the old `coverage.json` from
the new tables, and every finding's `principal_details` from `findings.json`'s
`detail_groups`; exits 1 at the first difference.
"""
import csv, json, sys
before, after = sys.argv[1], sys.argv[2]
def rd(p):
    with open(p, newline='', encoding='utf-8') as f:
        return list(csv.reader(f))
m = rd(f'{after}/coverage.csv'); cells = rd(f'{after}/coverage-cells.csv'); acts = rd(f'{after}/coverage-actions.csv')
hdr = m[0]; fixed = 7
listed = {(r[0], r[1], r[2]): r for r in cells[1:]}
dflt = {(r[0], r[1]): r for r in acts[1:]}
codes = {'A':'Always','C':'Conditional','N':'Never'}
def rows():
    for r in m[1:]:
        acct, name, typ, arn, group, status, errors = r[:7]
        if status == 'error':
            yield [acct, name, typ, arn, '', '', '', '', 'Error', errors, '', '']
            continue
        for i in range(fixed, len(hdr)):
            code = r[i]
            if not code: continue
            a = hdr[i]; approx = code.endswith('~'); cls = codes[code.rstrip('~')]
            d = dflt[(acct, a)]
            c = listed.get((acct, group, a))
            if c:
                yield [acct, name, typ, arn, a, d[2], c[5], c[6], c[3], c[7], c[4], c[8]]
            else:
                yield [acct, name, typ, arn, a, d[2], d[3] if cls == 'Always' else '0', d[3], cls, '', 'false', '']
n = 0
with open(f'{before}/coverage.csv', newline='', encoding='utf-8') as f:
    old = csv.reader(f); next(old)
    for o, x in zip(old, rows()):
        if o != x:
            print('DIFF', o, x); sys.exit(1)
        n += 1
print('csv rows equal', n)
ob = json.load(open(f'{before}/coverage.json')); nb = json.load(open(f'{after}/coverage.json'))
assert nb['format_version'] == 2
for oa, na in zip(ob['accounts'], nb['accounts']):
    assert oa['principals'] == na['principals']
    assert len(oa['groups']) == len(na['groups'])
    for og, ng in zip(oa['groups'], na['groups']):
        assert og['group'] == ng['group'] and og['members'] == ng['members']
        assert og['actions'] == [na['cells'][k] for k in ng['actions']]
        assert og['passrole'] == na['passrole_lists'][ng['passrole']]
for k in ('inputs', 'errors'):
    assert ob[k] == nb[k]
print('coverage.json equal after expansion')
fo = json.load(open(f'{before}/findings.json')); fn = json.load(open(f'{after}/findings.json'))
for key in ('findings', 'suppressed'):
    assert len(fo[key]) == len(fn[key])
    for a, b in zip(fo[key], fn[key]):
        det = []
        for g in b.pop('detail_groups', []):
            for p in g['principals']:
                d = {'principal': p, 'severity': g['severity'], 'message': g['message']}
                if 'witness' in g: d['witness'] = g['witness']
                det.append(d)
        od = a.pop('principal_details', [])
        assert sorted(od, key=lambda d: d['principal']) == sorted(det, key=lambda d: d['principal']), a['fingerprint']
        assert a == b, a['fingerprint']
assert fo['counts'] == fn['counts']
print('findings.json equal after expansion', len(fo['findings']))
