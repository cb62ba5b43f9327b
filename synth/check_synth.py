#!/usr/bin/env python3
"""Independent re-count of a directory written by `synth::generate` / `cakupan generate`.

Usage: python3 check_synth.py DIR [AS_OF ELECTION] [WILAYAH_CSV]
(defaults 2024-08-26 2024-11-27, data-schema/data/wilayah.csv next to this file).

Reads penduduk.csv and rekam_ktpel.csv, applies the data contract's rules
(derived from /tmp/ref/ref.py, plus STATUS_PENDUDUK, AREA_FORMAT and
DUPLICATE_NIK), and compares every cell of expected_{provinsi,kabupaten,
kecamatan,desa}.csv and every row of expected_summary.csv. Exit code 0 = all equal.
"""
import collections, csv, datetime, os, re, sys

D = sys.argv[1]
S = datetime.date.fromisoformat(sys.argv[2]) if len(sys.argv) > 2 else datetime.date(2024, 8, 26)
E = datetime.date.fromisoformat(sys.argv[3]) if len(sys.argv) > 3 else datetime.date(2024, 11, 27)
WIL = sys.argv[4] if len(sys.argv) > 4 else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data-schema', 'data', 'wilayah.csv')
if not os.path.exists(WIL):
    WIL = '/work/main/data-schema/data/wilayah.csv'


def anniv(b, y):
    try:
        return datetime.date(y, b.month, b.day)
    except ValueError:
        return datetime.date(y, 2, 28)


def age(b, d):
    a = d.year - b.year
    if d < anniv(b, d.year):
        a -= 1
    return a


def pdate(s):
    s = s.strip()
    if not re.fullmatch(r'\d{4}[-/]\d{2}[-/]\d{2}|\d{2}[-/]\d{2}[-/]\d{4}', s):
        return None
    for f in ('%Y-%m-%d', '%d-%m-%Y', '%d/%m/%Y', '%Y/%m/%d'):
        try:
            d = datetime.datetime.strptime(s, f).date()
            return d if d.year >= 1800 else None
        except ValueError:
            pass
    return None


def valid_nik(s):
    s = s.strip()
    if not re.fullmatch(r'\d{16}', s):
        return None
    day, month = int(s[6:8]), int(s[8:10])
    if not (1 <= day <= 31 or 41 <= day <= 71) or not 1 <= month <= 12:
        return None
    return int(s)


def small(s, mx):
    s = s.strip()
    if not s or len(s) > 6 or not s.isdigit():
        return None
    v = int(s)
    return v if 1 <= v <= mx else None


rows = list(csv.reader(open(os.path.join(D, 'penduduk.csv'), encoding='utf-8-sig', newline=''), delimiter=';'))
h, rows = rows[0], rows[1:]
ix = {c: i for i, c in enumerate(h)}
rej = collections.Counter()
dup = 0
pop = {}            # nik -> (row, area code)
first_row = {}      # nik -> raw row tuple of the counted row
rejected_valid = set()
seen_raw = set()
dup_first_mode = 0  # the alternative order: exact duplicates detected before any check
for r in rows:
    key = tuple(r)
    if key in seen_raw:
        dup_first_mode += 1
    seen_raw.add(key)
    raw = r[ix['NIK']].strip()
    if re.fullmatch(r'\d([.,]\d+)?[eE]\+?\d+', raw):
        rej['NIK_SCIENTIFIC'] += 1; continue
    nik = valid_nik(raw)
    if nik is None:
        rej['NIK_FORMAT'] += 1; continue
    b = pdate(r[ix['TGL_LHR']])
    if b is None:
        rej['BIRTH_DATE_INVALID'] += 1; rejected_valid.add(nik); continue
    if b > S:
        rej['BIRTH_DATE_FUTURE'] += 1; rejected_valid.add(nik); continue
    parts = [small(r[ix[c]], m) for c, m in (('NO_PROP', 99), ('NO_KAB', 99), ('NO_KEC', 99), ('NO_KEL', 9999))]
    if None in parts:
        rej['AREA_FORMAT'] += 1; rejected_valid.add(nik); continue
    if nik in pop:
        if first_row[nik] == key:
            dup += 1
        else:
            rej['DUPLICATE_NIK'] += 1
        continue
    pop[nik] = (r, '%02d.%02d.%02d.%04d' % tuple(parts), b)
    first_row[nik] = key
assert dup == dup_first_mode, (dup, dup_first_mode)

COUNT = {'SUDAH REKAM', 'REKAM', 'PRINT READY RECORD', 'PRR', 'SENT FOR CARD PRINTING', 'CARD PRINTED', 'CETAK',
         'CARD SHIPPED', 'CARD ISSUED', 'BIO_CAPTURED', 'PROCESSING', 'SENT_FOR_ENROLLMENT', 'RECEIVED_AT_CENTRAL'}
FAILED = {'BELUM REKAM', 'DUPLICATE RECORD', 'DUP'}
rec = set()
en = collections.Counter()
for r in csv.DictReader(open(os.path.join(D, 'rekam_ktpel.csv'), encoding='utf-8-sig', newline='')):
    en['rows'] += 1
    n = valid_nik(r['NIK'])
    assert n is not None, r
    d = pdate(r['TGL_REKAM'])
    assert d is not None, r
    st = r['STATUS_KTP'].strip().upper()
    failed = st in FAILED or 'FAIL' in st
    assert failed or st in COUNT, st
    en['after'] += d > S
    en['failed'] += failed
    if n not in pop:
        if n in rejected_valid:
            en['of_rejected'] += 1
        else:
            en['orphan'] += 1
        continue
    if d <= S and not failed:
        rec.add(n)

MAR = {'2', '3', '4', 'KAWIN', 'CERAI HIDUP', 'CERAI MATI', 'KAWIN TERCATAT', 'KAWIN BELUM TERCATAT'}
agg = collections.defaultdict(collections.Counter)
residents = not_resident = 0
for n, (r, code, b) in pop.items():
    status = r[ix['STATUS_PENDUDUK']].strip().upper()
    if status not in ('', 'AKTIF'):
        assert status in ('MATI', 'PINDAH'), status
        not_resident += 1
        continue
    residents += 1
    m = r[ix['STAT_KWN']].strip().upper() in MAR
    occ = r[ix['JENIS_PKRJN']].strip().upper()
    tni = (occ in ('6', '7') or any(k in occ for k in ('TNI', 'POLRI', 'TENTARA NASIONAL INDONESIA', 'KEPOLISIAN'))) \
        and not occ.startswith(('PENSIUNAN', 'PURNAWIRAWAN'))
    wni = r[ix['KEWARGANEGARAAN']].strip().upper() != 'WNA'
    req = age(b, S) >= 17 or m
    eli = wni and not tni and (age(b, E) >= 17 or m)
    ft = eli and not m and age(b, S) < 17
    recd = n in rec
    for k in (code[:2], code[:5], code[:8], code):
        c = agg[k]
        c['residents'] += 1; c['required'] += req; c['required_recorded'] += req and recd
        c['eligible'] += eli; c['eligible_recorded'] += eli and recd; c['eligible_unrecorded'] += eli and not recd
        c['first_time'] += ft; c['first_time_unrecorded'] += ft and not recd

names = {r[0]: r[1] for r in csv.reader(open(WIL, encoding='utf-8'))}
COLS = ['residents', 'required', 'required_recorded', 'eligible', 'eligible_recorded', 'eligible_unrecorded',
        'first_time', 'first_time_unrecorded']
bad = 0
for lvl, width in (('provinsi', 2), ('kabupaten', 5), ('kecamatan', 8), ('desa', 13)):
    mine = [[k, names.get(k, '')] + [str(agg[k][c]) for c in COLS] for k in sorted(agg) if len(k) == width]
    theirs = list(csv.reader(open(os.path.join(D, f'expected_{lvl}.csv'), encoding='utf-8', newline='')))
    assert theirs[0] == ['area_code', 'area_name'] + COLS, theirs[0]
    theirs = theirs[1:]
    if mine != theirs:
        bad += 1
        diff = [(a, b) for a, b in zip(mine, theirs) if a != b][:5]
        print(f'{lvl}: {len(mine)} vs {len(theirs)} rows; first differences: {diff}')

summary = {
    'population_rows': len(rows), 'duplicate_rows': dup,
    **{'reject_' + k: rej[k] for k in ('NIK_SCIENTIFIC', 'NIK_FORMAT', 'BIRTH_DATE_INVALID', 'BIRTH_DATE_FUTURE',
                                       'AREA_FORMAT', 'DUPLICATE_NIK')},
    'residents': residents, 'not_resident': not_resident,
    'enrollment_rows': en['rows'], 'enrollment_orphan': en['orphan'], 'enrollment_of_rejected_row': en['of_rejected'],
    'enrollment_after_as_of': en['after'], 'enrollment_failed_status': en['failed'],
}
theirs = [tuple(r) for r in csv.reader(open(os.path.join(D, 'expected_summary.csv'), encoding='utf-8', newline=''))]
mine = [('what', 'count')] + [(k, str(v)) for k, v in summary.items()]
if mine != theirs:
    bad += 1
    print('summary differs:', [(a, b) for a, b in zip(mine, theirs) if a != b], len(mine), len(theirs))
assert summary['population_rows'] == residents + not_resident + dup + sum(rej.values())
ft = sum(agg[k]['first_time'] for k in agg if len(k) == 2)
print(f"{D}: {len(rows)} rows, {residents} residents, first_time {ft} ({100 * ft / max(residents, 1):.2f}%), "
      f"rejects {dict(rej)}, dup {dup}, enrollment {dict(en)}")
print('ALL EQUAL' if bad == 0 else f'{bad} FILE(S) DIFFER')
sys.exit(1 if bad else 0)
