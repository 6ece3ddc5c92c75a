#!/usr/bin/env python3
"""Lint for the case files under tests/cases (optional helper; nothing depends on it).

Checks: every line is JSON; ids are unique across all files; required fields; `expect` is one of
the three decisions or `expect_error` is true (never both); every statement outside errors/ has
exactly one of Action/NotAction and one of Resource/NotResource; `why` cites a source; no case is
accidentally cross-account; every T-id of IAM-SEMANTICS section 7 and every S-id of
docs/SEMANTICS.md is named by some case. Then prints counts per file and the condition coverage
matrix family x qualifier x {present, missing} x {true, false} (derived from the policies, not from
tags), for single-condition cases.

Usage: python3 tests/cases/check_cases.py [--matrix]
"""
import glob
import json
import os
import re
import sys
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
SEMANTICS = os.path.join(HERE, '..', '..', 'docs', 'SEMANTICS.md')
DECISIONS = ('Allowed', 'ExplicitlyDenied', 'ImplicitlyDenied')
T_IDS = ([f'T-F{i}' for i in range(1, 9)] + [f'T-A{i}' for i in range(1, 4)] + [f'T-R{i}' for i in range(1, 8)]
         + [f'T-C{i}' for i in range(1, 30)] + [f'T-S{i}' for i in range(1, 7)])
FAMILIES = {
    'String': ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike'],
    'Numeric': ['NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals'],
    'Date': ['DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals'],
    'Bool': ['Bool'], 'Binary': ['BinaryEquals'], 'IP': ['IpAddress', 'NotIpAddress'],
    'ARN': ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'], 'Null': ['Null'],
}
OP_FAMILY = {op: fam for fam, ops in FAMILIES.items() for op in ops}
NEGATED = {'StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'NumericNotEquals', 'DateNotEquals', 'NotIpAddress', 'ArnNotEquals', 'ArnNotLike'}
QUALS = ['plain', 'IfExists', 'ForAllValues', 'ForAnyValue']


def as_list(x):
    return x if isinstance(x, list) else [x]


def statements(doc):
    st = doc.get('Statement', [])
    return st if isinstance(st, list) else [st]


def policies(case):
    out = list(case.get('identity', []))
    out += case.get('boundary') or []
    for lvl in case.get('scps') or []:
        out += lvl
    if case.get('session') is not None:
        out.append(case['session'])
    return out


def account(arn):
    if not isinstance(arn, str) or arn == '*':
        return None
    parts = arn.split(':')
    return parts[4] if len(parts) > 4 and parts[4] else None


def parse_op(op):
    q = 'plain'
    for p in ('ForAllValues:', 'ForAnyValue:'):
        if op.startswith(p):
            q, op = p[:-1], op[len(p):]
    ie = op.endswith('IfExists')
    if ie:
        op = op[:-len('IfExists')]
        if q == 'plain':
            q = 'IfExists'
    return q, ie, op


def classify(case):
    """For a single-condition case, return (family, qualifier, negated, present, holds) or None."""
    if case.get('expect_error') or case.get('scps') or case.get('boundary') is not None or case.get('session'):
        return None
    ident = case.get('identity', [])
    stmts = [s for d in ident for s in statements(d)]
    cond_stmts = [s for s in stmts if s.get('Condition')]
    if len(cond_stmts) != 1:
        return None
    s = cond_stmts[0]
    others = [x for x in stmts if x is not s]
    if s['Effect'] == 'Allow' and others:
        return None
    if s['Effect'] == 'Deny' and (len(others) != 1 or others[0].get('Action') != '*' or others[0].get('Resource') != '*'):
        return None
    cond = s['Condition']
    if len(cond) != 1:
        return None
    (op, kv), = cond.items()
    if len(kv) != 1:
        return None
    (key, _), = kv.items()
    q, _, base = parse_op(op)
    if base not in OP_FAMILY:
        return None
    ctx = {k.lower(): v for k, v in case.get('context', {}).items()}
    present = key.lower() in ctx
    holds = case['expect'] == ('Allowed' if s['Effect'] == 'Allow' else 'ExplicitlyDenied')
    return OP_FAMILY[base], q, base in NEGATED, present, holds


def main():
    show_matrix = '--matrix' in sys.argv
    errors = []
    ids = {}
    per_file = Counter()
    cited = ''
    matrix = defaultdict(int)
    files = sorted(glob.glob(os.path.join(HERE, '**', '*.jsonl'), recursive=True))
    for path in files:
        rel = os.path.relpath(path, HERE)
        for n, line in enumerate(open(path, encoding='utf-8'), 1):
            where = f'{rel}:{n}'
            try:
                c = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f'{where}: not JSON: {e}')
                continue
            per_file[rel] += 1
            for f in ('id', 'action', 'resource', 'why'):
                if not isinstance(c.get(f), str) or not c.get(f):
                    errors.append(f'{where}: missing or non-string field {f}')
            cid = c.get('id')
            if cid in ids:
                errors.append(f'{where}: duplicate id {cid} (also {ids[cid]})')
            ids[cid] = where
            has_exp, has_err = 'expect' in c, c.get('expect_error') is True
            if has_exp == has_err:
                errors.append(f'{where}: needs exactly one of expect / expect_error:true')
            if has_exp and c['expect'] not in DECISIONS:
                errors.append(f'{where}: bad expect {c["expect"]!r}')
            why = c.get('why', '')
            cited += ' ' + why
            if not re.search(r'https://docs\.aws\.amazon\.com/|S-\d+|T-[FARCS]\d+|D\d+', why):
                errors.append(f'{where}: why cites no source')
            if not rel.startswith('errors') and not has_err:
                for p in policies(c):
                    for s in statements(p):
                        if ('Action' in s) == ('NotAction' in s) or ('Resource' in s) == ('NotResource' in s):
                            errors.append(f'{where}: statement needs exactly one of Action/NotAction and Resource/NotResource')
                        if s.get('Effect') not in ('Allow', 'Deny'):
                            errors.append(f'{where}: bad Effect')
            pa = account(c.get('principal'))
            ra = c.get('account') or account(c.get('resource'))
            if pa and ra and pa != ra and not rel.startswith('flow/cross_account'):
                errors.append(f'{where}: cross-account request outside flow/cross_account.jsonl')
            k = classify(c) if has_exp else None
            if k:
                matrix[k] += 1
    for t in T_IDS:
        if not re.search(re.escape(t) + r'(?!\d)', cited):
            errors.append(f'no case names {t}')
    if os.path.exists(SEMANTICS):
        for s in sorted(set(re.findall(r'\*\*(S-\d+b?) ', open(SEMANTICS, encoding='utf-8').read()))):
            if not re.search(re.escape(s) + r'(?![\db])', cited):
                errors.append(f'no case names {s}')
    # matrix gaps
    gaps = []
    for fam in FAMILIES:
        if fam == 'Null':
            for present in (True, False):
                for holds in (True, False):
                    if not matrix.get(('Null', 'plain', False, present, holds)):
                        gaps.append(f'Null present={present} holds={holds}')
            continue
        has_neg = any(op in NEGATED for op in FAMILIES[fam])
        for q in QUALS:
            for neg in ((False, True) if has_neg else (False,)):
                for holds in (True, False):
                    if not matrix.get((fam, q, neg, True, holds)):
                        gaps.append(f'{fam} {q} {"neg" if neg else "pos"} present holds={holds}')
                if not any(matrix.get((fam, q, neg, False, h)) for h in (True, False)):
                    gaps.append(f'{fam} {q} {"neg" if neg else "pos"} missing')
    total = sum(per_file.values())
    for rel, n in sorted(per_file.items()):
        print(f'{n:5d}  {rel}')
    print(f'{total:5d}  total')
    if show_matrix or gaps:
        print('\ncoverage (present T/F, missing T/F) per family, qualifier, polarity:')
        for fam in FAMILIES:
            for q in (QUALS if fam != 'Null' else ['plain']):
                for neg in (False, True):
                    cells = [matrix.get((fam, q, neg, p, h), 0) for p in (True, False) for h in (True, False)]
                    if any(cells):
                        print(f'  {fam:8s} {q:13s} {"neg" if neg else "pos"}  present {cells[0]:2d}/{cells[1]:2d}  missing {cells[2]:2d}/{cells[3]:2d}')
    for g in gaps:
        errors.append('coverage gap: ' + g)
    for e in errors:
        print('ERROR', e)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
