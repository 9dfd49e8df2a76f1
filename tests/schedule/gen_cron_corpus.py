"""Writes tests/schedule/cron_corpus.json: cron expressions with the due times a brute-force
evaluator finds, or the words their error must hold. The Rust unit test
(crates/schedule/src/tests.rs) checks Stepwise's evaluator against it.

The expected times come from an evaluator that shares nothing with Stepwise's: it walks UTC
minute by minute from `after`, turns each minute into the zone's wall time with Python's zoneinfo
(so a time a daylight-saving change skips never appears, and one it repeats appears twice, of
which only the first counts), and tests the six fields with its own reading of the rules in
Image Builder's cron documentation.

    python tests/schedule/gen_cron_corpus.py   # rewrite the corpus
"""

from __future__ import annotations

import calendar
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

OUT = Path(__file__).with_name("cron_corpus.json")
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


def values(text: str, low: int, high: int, names: list[str] | None = None) -> set[int]:
    def one(v: str) -> int:
        if names and v.upper() in names:
            return names.index(v.upper()) + low
        return int(v)
    out: set[int] = set()
    for part in text.split(","):
        original = part
        step = 1
        if "/" in part:
            part, s = part.split("/")
            step = int(s)
        if part == "*":
            a, b = low, high
        elif "-" in part:
            a, b = (one(x) for x in part.split("-"))
        else:
            a = one(part)
            b = high if "/" in original else a
        out.update(range(a, b + 1, step))
    return out


def weekday_number(d: datetime) -> int:
    """1 = Sunday ... 7 = Saturday."""
    return (d.weekday() + 1) % 7 + 1


def nearest_weekday(year: int, month: int, n: int) -> int | None:
    last = calendar.monthrange(year, month)[1]
    if n > last:
        return None
    wd = calendar.weekday(year, month, n)  # Monday = 0
    if wd == 5:
        return n - 1 if n > 1 else n + 2
    if wd == 6:
        return n + 1 if n < last else n - 2
    return n


def matcher(expression: str):
    minute, hour, dom, month, dow, year = expression[len("cron("):-1].split(" ")
    minutes, hours = values(minute, 0, 59), values(hour, 0, 23)
    months, years = values(month, 1, 12, MONTHS), values(year, 1970, 2199)

    def day_ok(d: datetime) -> bool:
        last = calendar.monthrange(d.year, d.month)[1]
        if dom != "?":
            if dom == "L":
                return d.day == last
            if dom == "LW":
                return d.day == nearest_weekday(d.year, d.month, last)
            if dom.endswith("W"):
                return d.day == nearest_weekday(d.year, d.month, int(dom[:-1]))
            return d.day in values(dom, 1, 31)
        if dow == "L":
            return weekday_number(d) == 7 and d.day + 7 > last
        if dow.endswith("L"):
            return weekday_number(d) == values(dow[:-1], 1, 7, DAYS).pop() and d.day + 7 > last
        if "#" in dow:
            w, k = dow.split("#")
            return weekday_number(d) == values(w, 1, 7, DAYS).pop() and (d.day - 1) // 7 + 1 == int(k)
        return weekday_number(d) in values(dow, 1, 7, DAYS)

    def due(d: datetime) -> bool:
        return (d.minute in minutes and d.hour in hours and d.month in months and d.year in years
                and day_ok(d))
    return due


def due_times(expression: str, zone: str, after: str, count: int, horizon_days: int) -> list[str]:
    tz = ZoneInfo(zone)
    due = matcher(expression)
    t = datetime.fromisoformat(after.replace("Z", "+00:00")).astimezone(timezone.utc)
    t = t.replace(second=0, microsecond=0) + timedelta(minutes=1)
    end = t + timedelta(days=horizon_days)
    out: list[str] = []
    while t <= end and len(out) < count:
        local = t.astimezone(tz)
        if due(local):
            # A repeated wall time counts once: skip its second occurrence.
            first = local.replace(fold=0).astimezone(timezone.utc)
            if first == t:
                out.append(t.strftime("%Y-%m-%dT%H:%M:%SZ"))
        t += timedelta(minutes=1)
    return out


# (expression, zone, after, how many due times, horizon in days)
VALID = [
    ("cron(0 0 * * ? *)", "Etc/UTC", "2027-01-01T00:00:00Z", 3, 10),
    ("cron(0 0 * * ? *)", "America/New_York", "2027-03-13T00:00:00Z", 3, 10),
    ("cron(30 2 * * ? *)", "America/New_York", "2027-03-13T00:00:00Z", 3, 10),
    ("cron(30 1 * * ? *)", "America/New_York", "2027-11-06T00:00:00Z", 3, 10),
    ("cron(0 2 * * ? *)", "Europe/Berlin", "2027-03-27T00:00:00Z", 3, 10),
    ("cron(30 2 * * ? *)", "Europe/Berlin", "2027-10-30T00:00:00Z", 3, 10),
    ("cron(0 9 ? * MON-FRI *)", "Europe/London", "2027-03-26T00:00:00Z", 5, 14),
    ("cron(15 10 ? * 6L 2027)", "Etc/UTC", "2027-01-01T00:00:00Z", 3, 120),
    ("cron(0 12 ? * 2#1 *)", "Etc/UTC", "2027-01-01T00:00:00Z", 3, 120),
    ("cron(0 12 ? * MON#5 *)", "Etc/UTC", "2027-01-01T00:00:00Z", 3, 400),
    ("cron(0 0 L * ? *)", "Etc/UTC", "2027-01-01T00:00:00Z", 3, 120),
    ("cron(0 0 L 2 ? *)", "Etc/UTC", "2027-01-01T00:00:00Z", 2, 800),
    ("cron(0 0 LW * ? *)", "Etc/UTC", "2027-01-01T00:00:00Z", 4, 150),
    ("cron(0 0 1W * ? *)", "Etc/UTC", "2027-01-01T00:00:00Z", 4, 150),
    ("cron(0 0 15W * ? *)", "Etc/UTC", "2027-01-01T00:00:00Z", 4, 150),
    ("cron(0 0 31W * ? *)", "Etc/UTC", "2027-01-01T00:00:00Z", 3, 200),
    ("cron(*/15 * * * ? *)", "Etc/UTC", "2027-01-01T00:07:00Z", 4, 1),
    ("cron(5/20 * * * ? *)", "Etc/UTC", "2027-01-01T00:00:00Z", 4, 1),
    ("cron(58/1 * * * ? *)", "Etc/UTC", "2027-01-01T00:00:00Z", 4, 1),
    ("cron(0 */6 * * ? *)", "Asia/Kolkata", "2027-01-01T00:00:00Z", 4, 2),
    ("cron(0 8-10 * * ? *)", "Australia/Sydney", "2027-04-03T00:00:00Z", 6, 3),
    ("cron(0 2 * * ? *)", "Australia/Sydney", "2027-04-02T00:00:00Z", 3, 5),
    ("cron(0 2 * * ? *)", "Australia/Sydney", "2027-10-02T00:00:00Z", 3, 5),
    ("cron(0,30 9 1,15 * ? *)", "Etc/UTC", "2027-01-01T00:00:00Z", 4, 40),
    ("cron(0 0 1 JAN,JUL ? *)", "Etc/UTC", "2027-01-01T00:00:00Z", 3, 800),
    ("cron(0 0 1 jan-mar ? *)", "Etc/UTC", "2027-01-15T00:00:00Z", 3, 400),
    ("cron(0 0 1 */3 ? *)", "Etc/UTC", "2027-01-01T00:00:00Z", 4, 400),
    ("cron(0 0 ? * SUN *)", "Pacific/Auckland", "2027-04-01T00:00:00Z", 3, 30),
    ("cron(0 3 ? * 1,7 *)", "America/Los_Angeles", "2027-03-10T00:00:00Z", 4, 20),
    ("cron(0 0 29 2 ? *)", "Etc/UTC", "2027-01-01T00:00:00Z", 1, 1200),
    ("cron(0 0 1 1 ? 2028-2030)", "Etc/UTC", "2027-06-01T00:00:00Z", 3, 1300),
    ("cron(0 0 1 1 ? 2027/2)", "Etc/UTC", "2027-06-01T00:00:00Z", 2, 1200),
    ("cron(59 23 31 12 ? *)", "Etc/UTC", "2027-12-31T23:58:00Z", 2, 400),
    ("cron(0 0 * * ? *)", "Etc/UTC", "2027-01-01T00:00:00.500Z", 1, 3),
    ("cron(0 12 * * ? *)", "Asia/Kathmandu", "2027-01-01T00:00:00Z", 2, 3),
    ("cron(0 12 * * ? *)", "America/St_Johns", "2027-03-13T00:00:00Z", 3, 5),
    ("cron(30 0 ? * WED-FRI *)", "Europe/Paris", "2027-10-29T00:00:00Z", 4, 14),
    ("cron(0 0 ? * L *)", "Etc/UTC", "2027-01-01T00:00:00Z", 3, 120),
    ("cron(0 18 ? * FRI#2 *)", "America/Chicago", "2027-01-01T00:00:00Z", 3, 120),
    ("cron(0 0 10-12 * ? *)", "Etc/UTC", "2027-01-01T00:00:00Z", 4, 60),
    ("cron(0 0 1-31/10 * ? *)", "Etc/UTC", "2027-01-01T00:00:00Z", 5, 60),
    ("cron(45 1 * * ? *)", "Europe/Dublin", "2027-10-30T00:00:00Z", 3, 5),
    ("cron(0 0 1 1 ? 1970)", "Etc/UTC", "2027-01-01T00:00:00Z", 1, 3),
]

# (expression, words the error must hold)
INVALID = [
    ("0 0 * * ? *", "is not a cron expression"),
    ("rate(1 day)", "is not a cron expression"),
    ("cron(0 0 * * ?)", "has 5 fields"),
    ("cron(0 0 * * ? * *)", "has 7 fields"),
    ("cron(0  0 * * ? *)", "one space apart"),
    ("cron(60 0 * * ? *)", "The minutes field '60' has 60, outside 0-59"),
    ("cron(0 24 * * ? *)", "The hours field '24' has 24, outside 0-23"),
    ("cron(0 0 0 * ? *)", "The day-of-month field '0' has 0, outside 1-31"),
    ("cron(0 0 32 * ? *)", "outside 1-31"),
    ("cron(0 0 * 13 ? *)", "The month field '13' has 13, outside 1-12"),
    ("cron(0 0 ? * 8 *)", "The day-of-week field '8' has 8, outside 1-7"),
    ("cron(0 0 ? * 0 *)", "outside 1-7"),
    ("cron(0 0 * * ? 1969)", "The year field '1969' has 1969, outside 1970-2199"),
    ("cron(0 0 * * ? 2200)", "outside 1970-2199"),
    ("cron(0 0 * * * *)", "both name days: one of them must be '?'"),
    ("cron(0 0 ? * ? *)", "both '?'"),
    ("cron(0 0 1 * MON *)", "one of them must be '?'"),
    ("cron(? 0 * * ? *)", "uses '?', which only the day fields allow"),
    ("cron(0 L * * ? *)", "uses 'L', which only the day fields allow"),
    ("cron(0 0 * * ? 20#1)", "only the day fields allow"),
    ("cron(0 0 ? * MON/2 *)", "uses '/', which this field does not allow"),
    ("cron(0 0 ? * MON#6 *)", "after '#' comes a week of the month, 1 to 5"),
    ("cron(0 0 1#2 * ? *)", "'#' belongs to the day-of-week field"),
    ("cron(0 0 ? * 2W *)", "'W' belongs to the day-of-month field"),
    ("cron(0 0 L-3 * ? *)", "is written L, LW or nW"),
    ("cron(*/0 * * * ? *)", "has the step '0', which is not a positive number"),
    ("cron(0 5-2 * * ? *)", "has the range 5-2, which runs backwards"),
    ("cron(0 0 * FOO ? *)", "has 'FOO', which is not a number or a name (JAN"),
    ("cron(0 0 ? * FUNDAY *)", "which is not a number or a name (SUN"),
    ("cron(a 0 * * ? *)", "has 'a', which is not a number"),
    ("cron(0 0 1,,2 * ? *)", "has an empty item in its list"),
    ("cron(0 0 32W * ? *)", "outside 1-31"),
]


def main() -> None:
    cases = []
    for expression, zone, after, count, horizon in VALID:
        cases.append({"expression": expression, "timezone": zone, "after": after,
                      "next": due_times(expression, zone, after, count, horizon)})
    for expression, words in INVALID:
        cases.append({"expression": expression, "error": words})
    OUT.write_text(json.dumps(cases, indent=1) + "\n")
    print(f"{len(cases)} cases written to {OUT}")


if __name__ == "__main__":
    main()
